"""complaint-events: an event-sourced workflow engine for product-quality complaints."""

__version__ = "0.1.0"
