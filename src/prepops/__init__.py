"""prepops: interview preparation run like an ML lifecycle."""

__version__ = "0.1.0"
