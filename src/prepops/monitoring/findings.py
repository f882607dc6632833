"""From candidates to findings: the shared Candidate record, Holm correction, severity, ids.

All p-values of one run are Holm-corrected together, then: high = adjusted p < alpha_high
and a large effect; medium = adjusted p < alpha within its kind of check; low = the raw
p < alpha only (not surviving the correction; shown, never acted on). A group below `min_n`
is never tested: it becomes an `insufficient_data` finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from prepops.monitoring import stats
from prepops.runtime.settings import Monitor

# (subject, n, round ids, company) of a group too small to test
Short = tuple[str, int, list[str], str | None]
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "info": 3}


@dataclass
class Candidate:
    """One tested group: its effect, p-value and the rounds behind it, before correction."""

    kind: str
    subject: str
    summary: str
    n: int
    statistic: dict[str, Any]
    p_value: float | None
    round_ids: list[str]
    large: bool = False  # effect large enough to be high severity
    company: str | None = None
    interval: list[float] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def slug(text: str) -> str:
    """Lowercase dash-separated form of `text`, at most 60 characters (for ids)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


def ids(frame: pd.DataFrame) -> list[str]:
    """Sorted round ids of a frame of rounds."""
    return sorted(str(i) for i in frame["id"])


def _family(kind: str) -> str:
    return "calibration" if kind in ("overconfidence", "underconfidence") else kind


def _severity(overall: float, family: float, raw: float, large: bool, cfg: Monitor) -> str | None:
    """high: survives Holm over every test of the run at alpha_high, with a large effect;
    medium: survives Holm within its family (one kind of check) at alpha; low: raw only."""
    if overall < cfg.alpha_high and large:
        return "high"
    if family < cfg.alpha:
        return "medium"
    if raw < cfg.alpha:
        return "low"
    return None


def _within_families(candidates: list[Candidate]) -> list[float]:
    """Holm-adjusted p-values, each within its own family of candidates."""
    within = [0.0] * len(candidates)
    for name in {_family(c.kind) for c in candidates}:
        family = [i for i, c in enumerate(candidates) if _family(c.kind) == name]
        for i, adj in zip(family, stats.holm([candidates[i].p_value for i in family]), strict=True):
            within[i] = adj
    return within


def _finding(c: Candidate, severity: str, adjusted: float) -> dict:
    return {
        "kind": c.kind,
        "severity": severity,
        "subject": c.subject,
        "summary": c.summary,
        "company": c.company,
        "evidence": {
            "n": c.n,
            "statistic": c.statistic,
            "p_value": round(c.p_value, 5),
            "p_adjusted": round(adjusted, 5),
            "interval": c.interval,
            "round_ids": c.round_ids,
        },
        **({"context": c.extra} if c.extra else {}),
    }


def assess(candidates: list[Candidate], cfg: Monitor) -> list[dict]:
    """Holm-correct the candidates and keep those with a severity, as finding dicts."""
    overall = stats.holm([c.p_value for c in candidates]) if candidates else []
    within = _within_families(candidates)
    findings = []
    for c, adj, fam in zip(candidates, overall, within, strict=True):
        severity = _severity(adj, fam, c.p_value, c.large, cfg)
        if severity is not None:
            findings.append(_finding(c, severity, adj))
    return findings


def insufficient(short: list[Short], min_n: int) -> list[dict]:
    """One `insufficient_data` finding per group too small to test."""
    return [
        {
            "kind": "insufficient_data",
            "severity": "info",
            "subject": subject,
            "summary": f"{subject}: n={n}, below the minimum of {min_n}; not tested",
            "company": company,
            "evidence": {
                "n": n,
                "statistic": None,
                "p_value": None,
                "interval": None,
                "round_ids": round_ids,
            },
        }
        for subject, n, round_ids, company in short
    ]


def numbered(findings: list[dict]) -> list[dict]:
    """Findings sorted by severity, kind and subject, each with a unique id first."""
    findings = sorted(
        findings, key=lambda f: (SEVERITY_ORDER[f["severity"]], f["kind"], f["subject"])
    )
    seen: dict[str, int] = {}
    out = []
    for f in findings:
        base = f"{f['kind']}-{slug(f['subject'])}"
        seen[base] = seen.get(base, 0) + 1
        out.append({"id": base if seen[base] == 1 else f"{base}-{seen[base]}", **f})
    return out
