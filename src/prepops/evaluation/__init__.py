"""Evaluation: the scorecard, calibration of own confidence and the diagnosis of misses."""
