"""Score every rehearsal in the feature store (the `rehearse` stage's pure part)."""

from __future__ import annotations

import pandas as pd

from prepops.training.markers import Phrases, score

# Numeric score fields that become MLflow metrics and plot columns.
SCORE_METRICS = (
    "words",
    "wpm",
    "fillers",
    "filler_rate",
    "snr",
    "coverage",
    "segment_coverage",
    "latency_s",
    "order_score",
)


def score_rehearsals(
    rehearsals: pd.DataFrame, experts: pd.DataFrame, evidence: pd.DataFrame, phrases: Phrases
) -> list[dict]:
    """One record per rehearsal: identity, versions, and its transcript scores."""
    segments = {row.mode: list(row.segments) for row in experts.itertuples(index=False)}
    evidence_ids = list(evidence["id"])
    records = []
    for row in rehearsals.sort_values(["date", "id"]).itertuples(index=False):
        scores = score(
            row.transcript, float(row.duration_s), segments.get(row.mode, ()), evidence_ids, phrases
        )
        records.append(
            {
                "id": row.id,
                "file": row.file,
                "date": row.date.date().isoformat(),
                "mode": row.mode,
                "company": row.company if isinstance(row.company, str) else None,
                "template_version": row.template_version,
                "template_version_stamped": bool(row.template_version_stamped),
                "self_score": None if pd.isna(row.self_score) else int(row.self_score),
                "scores": scores,
            }
        )
    return records


def plot_rows(records: list[dict]) -> pd.DataFrame:
    """The rehearsal series for DVC plots: one row per rehearsal, metrics as columns."""
    rows = [
        {
            "date": r["date"],
            "id": r["id"],
            "mode": r["mode"],
            "template_version": r["template_version"],
            "self_score": r["self_score"],
            **{k: r["scores"][k] for k in SCORE_METRICS},
            "has_stop": int(r["scores"]["has_stop"]),
        }
        for r in records
    ]
    return pd.DataFrame(rows)


def by_template_version(records: list[dict]) -> dict[str, dict]:
    """Mean scores per template version, with n (the MLflow comparison, in numbers)."""
    frame = plot_rows(records)
    if frame.empty:
        return {}
    numeric = [*SCORE_METRICS, "self_score", "has_stop"]
    grouped = frame.groupby("template_version")
    first_seen = grouped["date"].min().sort_values()
    return {
        str(v): {
            "n": len(grouped.get_group(v)),
            "first_date": first_seen[v],
            **{
                k: (None if pd.isna(x) else round(float(x), 4))
                for k, x in grouped.get_group(v)[numeric].mean(numeric_only=True).items()
            },
        }
        for v in first_seen.index
    }
