"""From candidates to findings: the shared Candidate record, the severity ladder, ids.

One family: every test of the run (all kinds, companies and features) is Holm-corrected
together, and `evidence.p_adjusted` is that Holm p, the one the severity uses:

- high: p_adjusted < alpha_high and a large effect (each kind names its cut-off);
- medium: p_adjusted < alpha;
- watch: suggestive at this n, never acted on: raw p < alpha, or a large effect with raw
  p < WATCH_P_LARGE; the summary says what was expected, what happened and about how much
  more data would settle it.

A group below `min_n` is never tested: it becomes an `insufficient_data` finding.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from scipy import stats as sps

from prepops.monitoring import stats
from prepops.runtime.settings import Monitor

# (subject, n, round ids, company[, summary]) of a group too small to test; the summary,
# when given, says in plain words what was seen and why it is not tested
Short = tuple[str, int, list[str], str | None] | tuple[str, int, list[str], str | None, str]
SEVERITY_ORDER = {"high": 0, "medium": 1, "watch": 2, "info": 3}
# a large effect is worth watching at a looser raw p: a miss costs more than a look
WATCH_P_LARGE = 0.10
CORRECTION = "Holm over every test of the run (medium and high); watch: raw p, never acted on"


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
    expected: str = ""  # what no effect would look like, in the data's own terms
    unit: str = "data points"  # what n counts (rounds, questions, rehearsals)
    redraw: Callable[[int], float] | None = None  # permutation p with more resamples


def slug(text: str) -> str:
    """Lowercase dash-separated form of `text`, at most 60 characters (for ids)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


def ids(frame: pd.DataFrame) -> list[str]:
    """Sorted round ids of a frame of rounds."""
    return sorted(str(i) for i in frame["id"])


def sharpen(candidates: list[Candidate], cfg: Monitor) -> None:
    """Redraw each permutation p below alpha with enough resamples to reach high after Holm
    over all the run's tests (a fresh, valid p-value: only its resolution changes)."""
    resamples = stats.resamples_for(len(candidates), cfg.alpha_high)
    for c in candidates:
        if c.redraw is not None and c.p_value < cfg.alpha:
            c.p_value = c.redraw(resamples)


def _severity(adjusted: float, raw: float, large: bool, cfg: Monitor) -> str | None:
    """The ladder of the module docstring."""
    if adjusted < cfg.alpha_high and large:
        return "high"
    if adjusted < cfg.alpha:
        return "medium"
    if raw < cfg.alpha or (large and raw < WATCH_P_LARGE):
        return "watch"
    return None


def more_needed(n: int, raw: float, tests: int, alpha: float) -> int:
    """About how many more data points, at the same effect, would make raw p survive Holm
    over `tests` tests at alpha (z grows with the square root of n)."""
    z_now = float(sps.norm.isf(min(max(raw, 1e-300), 0.5) / 2))
    z_need = float(sps.norm.isf(alpha / max(tests, 1) / 2))
    return max(1, math.ceil(n * (z_need / max(z_now, 0.1)) ** 2) - n)


def _summary(c: Candidate, adjusted: float, tests: int, more: int | None) -> str:
    text = c.summary + (f"; expected {c.expected}" if c.expected else "")
    if more is None:
        return text
    return (
        f"{text}. After the {tests} checks this run makes, this could be chance (p "
        f"{c.p_value:.3f}, {adjusted:.2f} corrected); about {more} more {c.unit} like these "
        "would tell"
    )


def _finding(c: Candidate, severity: str, adjusted: float, tests: int, cfg: Monitor) -> dict:
    more = more_needed(c.n, c.p_value, tests, cfg.alpha) if severity == "watch" else None
    return {
        "kind": c.kind,
        "severity": severity,
        "subject": c.subject,
        "summary": _summary(c, adjusted, tests, more),
        "company": c.company,
        "evidence": {
            "n": c.n,
            "statistic": c.statistic,
            "p_value": round(c.p_value, 5),
            "p_adjusted": round(adjusted, 5),
            "interval": c.interval,
            "round_ids": c.round_ids,
            **({"more_needed": more} if more is not None else {}),
        },
        **({"context": c.extra} if c.extra else {}),
    }


def assess(candidates: list[Candidate], cfg: Monitor) -> list[dict]:
    """Holm-correct the candidates together and keep those with a severity, as dicts."""
    sharpen(candidates, cfg)
    adjusted = stats.holm([c.p_value for c in candidates]) if candidates else []
    findings = []
    for c, adj in zip(candidates, adjusted, strict=True):
        severity = _severity(adj, c.p_value, c.large, cfg)
        if severity is not None:
            findings.append(_finding(c, severity, adj, len(candidates), cfg))
    return findings


def insufficient(short: list[Short], min_n: int) -> list[dict]:
    """One `insufficient_data` finding per group too small to test."""
    return [
        {
            "kind": "insufficient_data",
            "severity": "info",
            "subject": item[0],
            "summary": item[4]
            if len(item) > 4
            else f"{item[0]}: n={item[1]}, below the minimum of {min_n}; not tested",
            "company": item[3],
            "evidence": {
                "n": item[1],
                "statistic": None,
                "p_value": None,
                "interval": None,
                "round_ids": item[2],
            },
        }
        for item in short
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
