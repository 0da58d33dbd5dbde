"""Processor logic, free of Kafka and faust: what each stream processor decides."""
