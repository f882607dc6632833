"""Retraining: the dated plan of smallest patches and next week's hours (bandit)."""
