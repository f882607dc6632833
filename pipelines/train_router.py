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
from prefect.utilities.annotations import quote

from pipelines._runner import run
from prepops.data import ingest
from prepops.model import fitting as rt
from prepops.model import registry
from prepops.model.router import Router
from prepops.runtime.paths import Paths
from prepops.runtime.storage import write_json
from prepops.training import tracking

TABLES = ("rounds", "questions", "follow_ups", "companies", "experts")


@task(cache_policy=NO_CACHE)
def prepare(paths: Paths) -> tuple[dict, dict]:
    tables, manifest = ingest.read_tables(paths, TABLES)
    inputs = {
        "questions": rt.labelled_questions(tables),
        "cards": rt.card_cues(tables),
        "keywords": rt.card_keywords(tables),
        "companies": rt.company_modes(tables),
    }
    return inputs, manifest


@task(cache_policy=NO_CACHE)
def cross_validate(inputs: dict, recipe: rt.Recipe, folds: int, seed: int) -> pd.Series:
    return rt.cross_validate(
        inputs["questions"],
        inputs["cards"],
        inputs["keywords"],
        inputs["companies"],
        recipe,
        folds,
        seed,
    )


@task(cache_policy=NO_CACHE)
def fit_candidate(
    inputs: dict, recipe: rt.Recipe, gate_fraction: float
) -> tuple[Router, pd.DataFrame]:
    train, gate_q = rt.split_gate(inputs["questions"], gate_fraction)
    model = rt.fit(train, inputs["cards"], inputs["keywords"], recipe, {"n_train": len(train)})
    return model, gate_q


@task(cache_policy=NO_CACHE)
def release(
    root: Path,
    model: Router,
    inputs: dict,
    gate_q: pd.DataFrame,
    params: dict,
    metrics: dict,
    tags: dict,
) -> tuple[dict, dict]:
    """Register the candidate, compare it with the champion on the gate set, maybe promote."""
    client = tracking.client(root)
    uri = tracking.tracking_uri(root)
    cand_acc = rt.accuracy(gate_q["label"], rt.predict(model, gate_q, inputs["companies"]))
    doc = model.to_dict()
    previous = registry.champion(client)
    version, created = registry.register(
        client, root, doc, params, {**metrics, "gate_accuracy": cand_acc["accuracy"] or 0.0}, tags
    )
    champ_doc, champ_acc = None, None
    if previous is not None and previous.version != version.version:
        champ_doc = registry.download_router(previous, uri)
        champ_model = Router.from_dict(champ_doc)
        champ_acc = rt.accuracy(
            gate_q["label"], rt.predict(champ_model, gate_q, inputs["companies"])
        )
    if previous is not None and previous.version == version.version:
        promoted, reason = True, "unchanged: this version is already the champion"
    else:
        promoted, reason = registry.gate(
            cand_acc["accuracy"],
            champ_acc["accuracy"] if champ_acc else None,
            cand_acc["n"],
            previous is not None,
        )
    decision = {
        "candidate_version": version.version,
        "candidate_new": created,
        "champion_before": previous.version if previous else None,
        "candidate_gate": cand_acc,
        "champion_gate": champ_acc,
        "gate_accuracy": cand_acc["accuracy"],
        "gate_n": cand_acc["n"],
        "promoted": promoted,
        "champion_after": version.version if promoted else previous.version,
        "reason": reason,
    }
    registry.promote(client, version, decision, previous)
    return decision, doc if promoted else champ_doc


@flow(name="train_router")
def train_router_flow(root: str, settings: dict):
    logger = get_run_logger()
    paths = Paths(Path(root))
    recipe = rt.Recipe(
        C=settings["C"],
        question_weight=settings["question_weight"],
        card_cue_weight=settings["card_cue_weight"],
        weights=tuple(settings["weights"].items()),
        secondary_min=settings["secondary_min"],
    )
    inputs, manifest = prepare(paths)
    q = inputs["questions"]
    heldout = cross_validate(inputs, recipe, settings["cv_folds"], settings["seed"])
    cv = rt.accuracy(q["label"], list(heldout))
    model, gate_q = fit_candidate(inputs, recipe, settings["gate_fraction"])
    params = {k: v for k, v in settings.items() if k != "weights"} | {
        f"weight_{k}": v for k, v in settings["weights"].items()
    }
    tags = {
        "template_version": manifest.get("template_version") or "unknown",
        "git_commit": tracking.git_commit(paths.root),
    }
    metrics = {"cv_accuracy": cv["accuracy"] or 0.0, "cv_n": cv["n"]}
    # quote: Prefect would walk the router's feature tables looking for futures (1.3 s)
    decision, champion_doc = release(
        paths.root, quote(model), inputs, gate_q, params, metrics, tags
    )
    report = {
        "labelled_questions": len(q),
        "label_sources": q["label_source"].value_counts().to_dict() if len(q) else {},
        "cross_validation": cv | {"folds": settings["cv_folds"]},
        "gate": decision,
        "misrouting": rt.misrouting(q, heldout),
        "heldout_predictions": [
            {"round_id": r, "label": lab, "routed": p}
            for r, lab, p in zip(q.get("round_id", []), q["label"], heldout, strict=True)
        ],
    }
    write_json(paths.router / "candidate.json", model.to_dict(), compact=True)
    write_json(paths.champion, champion_doc, compact=True)
    write_json(paths.router / "training.json", report)
    logger.info(
        "router: cv accuracy %s (n=%s); version %s %s: %s",
        cv["accuracy"],
        cv["n"],
        decision["candidate_version"],
        "promoted" if decision["promoted"] else "not promoted",
        decision["reason"],
    )
    return report


def main() -> None:
    run(
        train_router_flow,
        lambda s, p: {"root": str(p.root), "settings": s.router.model_dump()},
    )


if __name__ == "__main__":
    main()
