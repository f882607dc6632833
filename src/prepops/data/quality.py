"""Validate stage: the ingested tables still meet the contract, and how healthy the data is."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pandera.errors

from prepops.data.problems import Problem
from prepops.data.rules import problems_from
from prepops.data.schemas import SCHEMAS

_DATES = {"rounds": ["date"], "rehearsals": ["date"], "companies": ["next_round"]}
_EXTRA = {"rehearsals": ["template_version_stamped"]}


def recheck(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    """Run the contract's pandera models on the stored tables (the feature store's contract)."""
    found: list[Problem] = []
    for name, frame in tables.items():
        view = frame.drop(columns=_EXTRA.get(name, []))
        for column in _DATES.get(name, []):
            view[column] = view[column].dt.strftime("%Y-%m-%d").astype(object)
            view[column] = view[column].where(view[column].notna(), None)
        view = view.astype(object).where(view.notna(), None)
        view = view.apply(lambda col: col.map(lambda v: list(v) if hasattr(v, "tolist") else v))
        schema = SCHEMAS[name].to_schema()
        try:
            schema.validate(view, lazy=True)
        except pandera.errors.SchemaErrors as exc:
            found += problems_from(exc.failure_cases, view, schema, name)
    return found


def _share(mask: pd.Series) -> float | None:
    return round(float(mask.mean()), 4) if len(mask) else None


def summarize(
    tables: dict[str, pd.DataFrame], manifest: dict, today: dt.date, pending_after_days: int
) -> dict:
    """Counts, coverage and data warnings. Shares come with the n they were computed on."""
    rounds, questions, rehearsals = tables["rounds"], tables["questions"], tables["rehearsals"]
    warnings = list(manifest.get("warnings", []))
    cutoff = pd.Timestamp(today - dt.timedelta(days=pending_after_days))
    stale = rounds[(rounds["outcome"] == "pending") & (rounds["date"] < cutoff)]
    warnings += [
        f"{f}: outcome: still pending more than {pending_after_days} days after the round"
        for f in stale["file"]
    ]
    if len(rounds) >= 3 and rounds["confidence"].nunique() == 1:
        warnings.append(
            "rounds: confidence: the same value in every round says nothing about calibration"
        )
    rubric = [c for c in rounds.columns if c.startswith("rubric.")]
    span = (rounds["date"].min(), rounds["date"].max()) if len(rounds) else (None, None)
    return {
        "n": {name: len(frame) for name, frame in tables.items()},
        "companies_with_rounds": int(rounds["company"].nunique()),
        "date_range": [d.date().isoformat() if pd.notna(d) else None for d in span],
        "stages_covered": sorted(rounds["stage"].unique().tolist()),
        "coverage": {
            "rounds_with_rubric": {
                "share": _share(rounds[rubric].notna().any(axis=1)),
                "n": len(rounds),
            },
            "rounds_with_questions": {
                "share": _share(rounds["id"].isin(questions["round_id"])),
                "n": len(rounds),
            },
            "questions_with_mode_wanted": {
                "share": _share(questions["mode_wanted"].notna()),
                "n": len(questions),
            },
            "outcomes_known": {"share": _share(rounds["outcome"] != "pending"), "n": len(rounds)},
        },
        "template_versions": {
            str(k): int(v)
            for k, v in rehearsals["template_version"].value_counts().sort_index().items()
        },
        "template_version": manifest.get("template_version"),
        "evidence_version": manifest.get("evidence_version"),
        "quarantined": manifest.get("quarantined", []),
        "warnings": warnings,
    }


def metrics(summary: dict, problems: list[Problem]) -> dict:
    """The flat numbers DVC tracks across commits (`dvc metrics diff`)."""
    n = summary["n"]
    return {
        "data": {
            "rounds": n["rounds"],
            "questions": n["questions"],
            "follow_ups": n["follow_ups"],
            "rehearsals": n["rehearsals"],
            "evidence": n["evidence"],
            "companies": n["companies"],
            "warnings": len(summary["warnings"]),
            "quarantined_files": len(summary["quarantined"]),
            "contract_problems": len(problems),
            "questions_with_mode_wanted": summary["coverage"]["questions_with_mode_wanted"][
                "share"
            ],
        }
    }
