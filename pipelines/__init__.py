"""Thin Prefect flows, one per DVC stage: `python -m pipelines.<stage>`."""
