"""Thin adapters to PostgreSQL and Kafka."""
