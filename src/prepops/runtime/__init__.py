"""Runtime: settings, paths, atomic storage, the Prefect server and the stage runner."""
