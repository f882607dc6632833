"""Model: the router (expert gate), its fitting, its MLflow form and the release gate."""
