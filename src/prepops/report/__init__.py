"""Report: the one-page HTML report and its figures."""
