"""The application layer: the case store and the use cases that drive it."""
