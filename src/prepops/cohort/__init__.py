"""A coach's cohort: many candidates' weekly runs on shared MLflow and Prefect servers."""
