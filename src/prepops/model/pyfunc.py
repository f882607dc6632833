"""The router as an MLflow pyfunc model, so a registered version loads with
`mlflow.pyfunc.load_model("models:/prepops-router@champion")` like any other model.

Only the train_router stage and MLflow users import this module (it imports MLflow);
`prepops route` reads the exported JSON directly.
"""

from __future__ import annotations

from pathlib import Path

import mlflow.pyfunc


class RouterModel(mlflow.pyfunc.PythonModel):
    """The exported router behind MLflow's pyfunc interface."""

    def load_context(self, context) -> None:
        """Load the router JSON logged as the model's `router` artifact."""
        from prepops.model.router import Router

        self.router = Router.load(Path(context.artifacts["router"]))

    def predict(self, model_input: list[str], params: dict | None = None) -> list[str]:
        """Questions in, one expert mode per question out."""
        return [self.router.route(str(text))["mode"] for text in model_input]
