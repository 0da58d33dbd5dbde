"""Read-model projections of ``complaints.events.v1`` into PostgreSQL (issue 4)."""
