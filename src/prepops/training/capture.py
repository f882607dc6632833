"""`prepops rehearse`: turn a captured answer into a valid rehearsal file (never overwriting)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from prepops.data.lightread import names
from prepops.data.problems import Problem
from prepops.data.workspace import check_document
from prepops.features.versioning import versions
from prepops.runtime.storage import write_new


def next_id(workspace: Path, day: dt.date, mode: str) -> str:
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
    text = "# Captured with `prepops rehearse`.\n" + yaml.safe_dump(
        doc, sort_keys=False, allow_unicode=True, width=96
    )
    return write_new(workspace / "rehearsals" / f"{doc['id']}.yaml", text)
