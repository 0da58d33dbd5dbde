"""Channel adapters (issue 5): email, hotline, chat and social media / review monitoring.

Each channel has a pure normaliser (its input's bytes -> an intake message, a
lead, or a reason to dead-letter) and a reply renderer; :mod:`.runner` is the
one I/O loop that reads inbox folders, publishes to Kafka and writes outbox
folders.  The web form is the HTTP API's intake endpoint.
"""
