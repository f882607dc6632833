"""Stage `train_router`: fit the router, cross-validate it, register it, gate its release.

Writes reports/router/: candidate.json (the fitted router), champion.json (the version
holding the `champion` alias, which `prepops route` loads) and training.json (accuracies
with their n, the gate decision, the misrouting analysis).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.states import Failed
from prefect.utilities.annotations import quote

from pipelines._runner import run
from prepops.data import ingest
from prepops.model import fitting, registry, release
from prepops.model.router import Router
from prepops.runtime.paths import Paths
from prepops.runtime.sanitize import for_terminal
from prepops.runtime.settings import Router as RouterSettings
from prepops.runtime.storage import write_json
from prepops.training import tracking

TABLES = ("rounds", "questions", "follow_ups", "companies", "experts")


@task(cache_policy=NO_CACHE)
def prepare(paths: Paths) -> tuple[dict, dict]:
    """The router's training inputs and the tables' manifest."""
    tables, manifest = ingest.read_tables(paths, TABLES)
    return fitting.inputs(tables), manifest


@task(cache_policy=NO_CACHE)
def cross_validate(inputs: dict, settings: RouterSettings) -> pd.Series:
    """A held-out prediction for every labelled question."""
    return fitting.cross_validate(
        inputs["questions"], inputs["cards"], inputs["keywords"], inputs["companies"], settings
    )


@task(cache_policy=NO_CACHE)
def fit_candidate(inputs: dict, settings: RouterSettings) -> tuple[Router, pd.DataFrame]:
    """The candidate, fitted on every labelled question outside the gate set."""
    train, gate_q = fitting.split_gate(inputs["questions"], settings.gate_fraction)
    meta = {"n_train": len(train)}
    model = fitting.fit(train, inputs["cards"], inputs["keywords"], settings, meta)
    return model, gate_q


@task(cache_policy=NO_CACHE)
def release_candidate(
    root: Path, model: Router, gate_q: pd.DataFrame, companies: dict, run_info: dict
) -> tuple[dict, dict]:
    """Register the candidate and gate its release (the model package's release())."""
    return release.release(root, model, gate_q, companies, run_info)


@flow(name="train_router")
def train_router_flow(root: str, settings: RouterSettings):
    """Fit, cross-validate, register and gate the router; write reports/router/."""
    logger = get_run_logger()
    paths = Paths(Path(root))
    inputs, manifest = prepare(paths)
    q = inputs["questions"]
    heldout = cross_validate(inputs, settings)
    cv = fitting.accuracy(q["label"], list(heldout))
    model, gate_q = fit_candidate(inputs, settings)
    run_info = {
        "params": fitting.mlflow_params(settings),
        "metrics": {"cv_accuracy": cv["accuracy"] or 0.0, "cv_n": cv["n"]},
        "tags": {
            "template_version": manifest.get("template_version") or "unknown",
            "git_commit": tracking.git_commit(paths.root),
        },
    }
    # quote: Prefect would walk the router's feature tables looking for futures (1.3 s)
    try:
        decision, champion_doc = release_candidate(
            paths.root, quote(model), gate_q, inputs["companies"], run_info
        )
    except registry.RegistryError as exc:  # one line, and nothing promoted
        logger.error(for_terminal(exc))
        return Failed(message=str(exc))
    report = fitting.training_report(q, heldout, decision, settings.cv_folds)
    write_json(paths.router / "candidate.json", model.to_dict(), compact=True)
    write_json(paths.champion, champion_doc, compact=True)
    write_json(paths.router / "training.json", report)
    verdict = "promoted" if decision["promoted"] else "not promoted"
    logger.info(
        "router: cv accuracy %s (n=%s); version %s %s: %s",
        cv["accuracy"],
        cv["n"],
        decision["candidate_version"],
        verdict,
        for_terminal(decision["reason"]),
    )
    return report


def main() -> None:
    """Run the stage with params.yaml's `router` settings."""
    run(train_router_flow, lambda s, p: {"root": str(p.root), "settings": s.router})


if __name__ == "__main__":
    main()
