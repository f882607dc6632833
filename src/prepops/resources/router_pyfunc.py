"""MLflow models-from-code entry point for the router (no pickled objects in the model)."""

import mlflow

from prepops.model.pyfunc import RouterModel

mlflow.models.set_model(RouterModel())
