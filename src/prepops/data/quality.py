"""Validate stage: the ingested tables still meet the contract, and how healthy the data is."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandera.errors

from prepops.data.problems import Problem
from prepops.data.rules import problems_from
from prepops.data.schemas import SCHEMAS
from prepops.runtime.paths import Paths

_DATES = {"rounds": ["date"], "rehearsals": ["date"], "companies": ["next_round"]}
# Columns ingest adds that are no contract fields, with the dtype they are stored as.
_EXTRA = {"rehearsals": {"template_version_stamped": "bool"}}


def stored_as(name: str) -> str:
    """The stored table's file from the project root, e.g. reports/tables/rounds.parquet."""
    return Paths(Path(".")).table(name).as_posix()


def _dtype_ok(dtype: Any, expected: str) -> bool:
    """Whether a stored column's dtype is the one `stored_dtypes` names."""
    if expected == "datetime64":
        return pd.api.types.is_datetime64_dtype(dtype)  # any unit, no time zone
    if expected == "str":
        return isinstance(dtype, pd.StringDtype)  # `str` or `string`, any storage
    return str(dtype) == expected


def stored_dtypes(name: str, schema) -> dict[str, str]:
    """Each column's dtype as ingest stores it: the contract's, dates as datetime64."""
    dates = _DATES.get(name, [])
    expected = {
        column: "datetime64" if column in dates else str(col.dtype)
        for column, col in schema.columns.items()
    }
    expected = {c: "str" if d.startswith("string") else d for c, d in expected.items()}
    return expected | _EXTRA.get(name, {})


def dtype_problems(frame: pd.DataFrame, name: str, schema) -> list[Problem]:
    """Stored columns of another dtype than ingest writes; ingest's own columns if missing."""
    # pandera coerces the view, so it passes an int64 `confidence`; missing or unknown
    # contract columns are pandera's to report (rules.problems_from)
    source, found = stored_as(name), []
    for column, expected in stored_dtypes(name, schema).items():
        if column in frame.columns and not _dtype_ok(frame[column].dtype, expected):
            found.append(
                Problem(source, column, f"dtype {frame[column].dtype}, expected {expected}")
            )
        elif column not in frame.columns and column in _EXTRA.get(name, {}):
            found.append(Problem(source, column, "column missing"))
    return found


def _plain(value: Any) -> Any:
    """A stored cell as YAML gave it: arrays as lists, numpy scalars as Python, missing None."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        value = value.item()
    return None if not isinstance(value, list) and pd.isna(value) else value


def _view(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """The table as the loader saw it: dates as text, plain Python values in object columns."""
    view = frame.drop(columns=list(_EXTRA.get(name, {})), errors="ignore")
    for column in _DATES.get(name, []):
        if column in view.columns and pd.api.types.is_datetime64_dtype(view[column].dtype):
            view[column] = view[column].dt.strftime("%Y-%m-%d")
    return pd.DataFrame(
        {c: pd.Series([_plain(v) for v in view[c]], index=view.index, dtype=object) for c in view},
        index=view.index,
    )


def recheck(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    """Run the contract's pandera models on the stored tables (the feature store's contract).

    A problem about a whole table (a column missing, unknown or of the wrong dtype) names
    the stored parquet file, the one to rebuild; a problem in a cell names its YAML file.
    """
    found: list[Problem] = []
    for name, frame in tables.items():
        schema = SCHEMAS[name].to_schema()
        found += dtype_problems(frame, name, schema)
        view = _view(frame, name)
        try:
            schema.validate(view, lazy=True)
        except pandera.errors.SchemaErrors as exc:
            found += problems_from(exc.failure_cases, view, schema, name, stored_as(name))
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
