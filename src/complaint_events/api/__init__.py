"""The HTTP API (FastAPI): intake, case actions over the command bus, queries, roles."""
