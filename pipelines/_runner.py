"""Run one stage's flow from `python -m pipelines.<stage>`: params in, exit code out."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from prepops.runtime.paths import Paths
from prepops.runtime.prefect_server import prefect_api
from prepops.runtime.settings import Settings, SettingsError, load_settings
from prepops.training.tracking import candidate


def run(flow: Callable[..., Any], build_kwargs: Callable[[Settings, Paths], dict]) -> None:
    """Run a stage's flow with params.yaml; exit 0: completed, 1: failed, 2: bad params or env."""
    try:
        paths = Paths()  # no params.yaml here or above: one line, exit 2
        settings = load_settings(paths.params)
        candidate()  # a bad PREPOPS_CANDIDATE stops here, not mid-flow
    except (SettingsError, ValueError) as exc:
        print(exc, file=sys.stderr)
        sys.exit(2)
    with prefect_api(paths.prefect_home):
        state = flow(**build_kwargs(settings, paths), return_state=True)
    # A failed flow has already logged one line per problem; no traceback on bad input.
    sys.exit(0 if state.is_completed() else 1)
