"""The release gate: a fitted router takes the `champion` alias only if it is not worse.

`gate` and `decide` are pure; `release` is what the train_router flow calls: register the
candidate, score it and the current champion on the same gate questions, decide, promote.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from prepops.model import fitting, registry
from prepops.model.router import Router
from prepops.training import tracking


def gate(
    candidate_accuracy: float | None,
    champion_accuracy: float | None,
    n: int,
    has_champion: bool,
) -> tuple[bool, str]:
    """The release rule: promote when not below the champion on the same gate set."""
    if not has_champion:
        return True, "first version: no champion yet"
    if candidate_accuracy is None or champion_accuracy is None or n == 0:
        return False, "no gate questions to compare on; the champion stays"
    if candidate_accuracy >= champion_accuracy:
        return True, (
            f"gate accuracy {candidate_accuracy:.3f} >= champion's {champion_accuracy:.3f} "
            f"on the same {n} question(s)"
        )
    return False, (
        f"gate accuracy {candidate_accuracy:.3f} < champion's {champion_accuracy:.3f} "
        f"on the same {n} question(s); stays a candidate"
    )


def decide(
    candidate_version: str,
    champion_version: str | None,
    candidate_gate: dict,
    champion_gate: dict | None,
) -> dict:
    """The release decision as recorded in training.json and the version's tags."""
    if champion_version is not None and champion_version == candidate_version:
        promoted, reason = True, "unchanged: this version is already the champion"
    else:
        promoted, reason = gate(
            candidate_gate["accuracy"],
            champion_gate["accuracy"] if champion_gate else None,
            candidate_gate["n"],
            champion_version is not None,
        )
    return {
        "candidate_version": candidate_version,
        "champion_before": champion_version,
        "candidate_gate": candidate_gate,
        "champion_gate": champion_gate,
        "gate_accuracy": candidate_gate["accuracy"],
        "gate_n": candidate_gate["n"],
        "promoted": promoted,
        "champion_after": candidate_version if promoted else champion_version,
        "reason": reason,
    }


def gate_accuracy(model: Router, gate_questions: pd.DataFrame, companies: dict) -> dict:
    """A router's accuracy on the gate questions, with its n and interval."""
    predicted = fitting.predict(model, gate_questions, companies)
    return fitting.accuracy(gate_questions["label"], predicted)


def release(
    root: Path,
    model: Router,
    gate_questions: pd.DataFrame,
    companies: dict,
    run: dict,
) -> tuple[dict, dict | None]:
    """Register the candidate, gate it against the champion, promote it or keep it.

    `run` holds the MLflow `params`, `metrics` and `tags` of the candidate's training run.
    Returns the decision and the router document that is now the champion.
    """
    client = tracking.client(root)
    candidate_gate = gate_accuracy(model, gate_questions, companies)
    doc = model.to_dict()
    previous = registry.champion(client)
    metrics = {**run["metrics"], "gate_accuracy": candidate_gate["accuracy"] or 0.0}
    # whether this run created the version is not recorded: a rerun after a crash finds it
    # by fingerprint, and the decision (a DVC output) must not differ from an undisturbed run
    version, _ = registry.register(client, root, doc, run["params"], metrics, run["tags"])
    champion_doc, champion_gate = None, None
    if previous is not None and previous.version != version.version:
        champion_doc = registry.download_router(previous, tracking.tracking_uri(root))
        champion_gate = gate_accuracy(Router.from_dict(champion_doc), gate_questions, companies)
    decision = decide(
        version.version,
        previous.version if previous is not None else None,
        candidate_gate,
        champion_gate,
    )
    registry.promote(client, version, decision, previous)
    return decision, doc if decision["promoted"] else champion_doc
