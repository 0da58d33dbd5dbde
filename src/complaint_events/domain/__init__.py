"""The complaint process as pure domain logic: no Kafka, no database, no HTTP, no wall clock."""
