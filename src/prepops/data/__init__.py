"""Data: the labelled round logs, read safely and checked against the data contract."""
