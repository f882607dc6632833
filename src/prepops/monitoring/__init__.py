"""Monitoring: drift, calibration and signal findings, each with its test and its n."""
