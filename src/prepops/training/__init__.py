"""Training: rehearsals captured, scored on the special tokens and tracked in MLflow."""
