"""Thin Prefect flows, one per DVC stage; dvc.yaml runs each through prepops.runtime.stage."""
