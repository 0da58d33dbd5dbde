"""What operators see of a running process: Prometheus metrics and the log format."""
