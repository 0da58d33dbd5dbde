"""Stream processors (faust-streaming agents) that move complaint cases forward.

The intake, command, acknowledgement, deadline, routing and batch-quality
processors live here, one module a role (issue 3).
"""
