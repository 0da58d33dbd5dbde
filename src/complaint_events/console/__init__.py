"""The handler console: the complaint desk's web pages, served by the API process at ``/console/``.

See docs/console.md. The console reads and acts through the API's own code
(visibility, read models, case actions, command status); it adds pages, not rules.
"""
