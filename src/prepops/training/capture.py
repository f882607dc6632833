"""`prepops rehearse`: turn a captured answer into a valid rehearsal file (never overwriting),
score it against the workspace and log it to MLflow.

Kept light at import: `prepops score` uses `scorecard` in a cold process, so the contract
check (pandera) and MLflow are imported only by the functions that need them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from prepops.data.lightread import evidence_ids, expert_segments, names
from prepops.data.problems import Problem
from prepops.features.versioning import versions
from prepops.runtime.storage import write_new
from prepops.training import markers


def next_id(workspace: Path, day: dt.date, mode: str) -> str:
    """The first free rehearsal id for a day and mode: <date>-<mode>-<nn>."""
    taken = {p.stem for p in (workspace / "rehearsals").glob("*.yaml")}
    n = 1
    while f"{day.isoformat()}-{mode}-{n:02d}" in taken:
        n += 1
    return f"{day.isoformat()}-{mode}-{n:02d}"


def build(
    workspace: Path,
    question: str,
    mode: str,
    transcript: str,
    duration_s: float,
    company: str | None = None,
    self_score: int | None = None,
    day: dt.date | None = None,
) -> tuple[dict, list[Problem]]:
    """The rehearsal document, stamped with the current template version, and its problems."""
    from prepops.data.workspace import check_document  # pandera: not for `prepops score`

    day = day or dt.date.today()
    doc: dict = {
        "id": next_id(workspace, day, mode),
        "date": day.isoformat(),
        "question": question,
        "mode": mode,
    }
    if company:
        doc["company"] = company
    doc["duration_s"] = max(round(float(duration_s), 1), 0.1)  # a timed answer is never 0 s
    if self_score is not None:
        doc["self_score"] = self_score
    doc["template_version"] = versions(workspace)["template_version"]
    doc["transcript"] = transcript.strip()
    rel = f"rehearsals/{doc['id']}.yaml"
    problems = check_document(doc, "rehearsals", rel)
    if company and company not in names(workspace, "companies", "company"):
        problems.append(
            Problem(
                rel, "company", "must match the `company` of a card in companies/", repr(company)
            )
        )
    return doc, problems


def write(workspace: Path, doc: dict) -> Path:
    """Write the document as a new rehearsals/ file; FileExistsError rather than overwrite."""
    text = "# Captured with `prepops rehearse`.\n" + yaml.safe_dump(
        doc, sort_keys=False, allow_unicode=True, width=96
    )
    return write_new(workspace / "rehearsals" / f"{doc['id']}.yaml", text)


def scorecard(
    workspace: Path,
    text: str,
    duration_s: float,
    mode: str | None,
    phrases: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Score one answer with the workspace's segments for `mode`, its evidence ids and the
    params.yaml `score.phrases` added to the built-in phrase lists."""
    return markers.score(
        text,
        duration_s,
        segments=expert_segments(workspace, mode),
        evidence_ids=evidence_ids(workspace),
        phrases=markers.extend(markers.default_phrases(), phrases),
    )


def track(project: Path, workspace: Path, doc: dict, scores: dict) -> tuple[str, dict]:
    """Log one rehearsal run to MLflow: the experiment name and the counts logged/unchanged."""
    from prepops.training import tracking
    from prepops.training.scoring import SCORE_METRICS  # pandas: only when tracking

    record = {
        "id": doc["id"],
        "date": doc["date"],
        "mode": doc["mode"],
        "company": doc.get("company"),
        "template_version": doc["template_version"],
        "template_version_stamped": False,
        "self_score": doc.get("self_score"),
        "scores": scores,
    }
    client = tracking.client(project)
    name = tracking.mlflow_name("rehearsals")
    exp = tracking.experiment_id(client, name, project)
    payload = tracking.rehearsal_payload(record, versions(workspace), SCORE_METRICS)
    return name, tracking.log_rehearsals(client, exp, [payload], tracking.git_commit(project))
