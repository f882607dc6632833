"""MLflow models-from-code entry point for the router (no pickled objects in the model)."""

import mlflow

from prepops.router_model import RouterModel

mlflow.models.set_model(RouterModel())
