"""Metrics of evidence packets: which kind a metric is, which kind a question asks for, and
how a metric reads aloud (with its baseline: "pages per week: 31 -> 6 pages").

Four kinds, each a short list of cue words (`*` matches any word ending; a space also matches
a hyphen or underscore). A packet's kind comes from its metric's name, else its unit; a
question may ask for several kinds, or none. The lists are small on purpose: a word that
means different things in different questions ("error rate", "performance", "time",
"model", "bill") is left out rather than guessed.

- quality: how good a model or product is (accuracy, precision/recall, relevance, conversion
  and click-through lifts, evaluation).
- latency: how fast or how fresh (p95/p99, response and recovery times, lag, freshness,
  timeouts, durations in ms..days).
- cost: money and spend (cost, budget, savings, currency units).
- people: the team and its load (hiring, attrition, burnout, morale, on-call pages).
"""

from __future__ import annotations

import re
from typing import Any

CUES = {  # cue words of each kind, in a metric's name or a question
    "quality": "accura*, precision, recall, f1, auc, roc, ndcg, mrr, quality, relevan*, "
    "false positive*, false negative*, conversion*, click through, ctr, lift, evaluat*, "
    "offline metric*, better model*, model is better, signup*",
    "latency": "latenc*, p50, p90, p95, p99, p999, slow*, fast*, speed*, response time*, "
    "load time*, time to recover*, time to detect*, mttr, timeout*, time out*, lag*, fresh*, "
    "stale*, throughput, how long",
    "cost": "cost*, spend*, budget*, cloud bill*, saving*, cheap*, expensive, dollar*, money, "
    "$, €, £",
    "people": "people, morale, attrition, retention, burnout, burn* out, burning out, hir*, "
    "headcount, on call, oncall, pages, paged, paging, mentor*, onboard*, satisfaction",
}
UNITS = {  # a metric's unit alone, when its name says nothing
    "latency": "ms, s, sec*, second*, min, mins, minute*, hour*, h, day*",
    "cost": "$*, usd, eur, gbp, k$, €, £",
    "people": "people, engineers, pages, hires, persons",
}


def _pattern(cues: str) -> re.Pattern[str]:
    """One regex for a comma-separated cue list: `*` is a word ending, a space also matches a
    hyphen or underscore, and a cue that starts or ends with a letter matches whole words."""
    parts = []
    for cue in (c.strip() for c in cues.split(",")):
        body = r"[\s_-]+".join(re.escape(w).replace(r"\*", r"\w*") for w in cue.split())
        left = r"(?<!\w)" if cue[0].isalnum() else ""
        right = r"(?!\w)" if cue[-1].isalnum() or cue.endswith("*") else ""
        parts.append(left + body + right)
    return re.compile("|".join(parts), re.IGNORECASE)


_NAMES = {kind: _pattern(cues) for kind, cues in CUES.items()}
_UNITS = {kind: _pattern(cues) for kind, cues in UNITS.items()}


def asked(question: str) -> list[str]:
    """The kinds of metric a question asks about, in the order of CUES (often none)."""
    return [kind for kind, pattern in _NAMES.items() if pattern.search(question)]


def kind(metric: Any) -> str | None:
    """The kind of a packet's metric: from its name, else its unit; None when neither says."""
    if not isinstance(metric, dict):
        return None
    for source, patterns in ((metric.get("name"), _NAMES), (metric.get("unit"), _UNITS)):
        if isinstance(source, str):
            found = [k for k, pattern in patterns.items() if pattern.search(source)]
            if found:
                return found[0]
    return None


def number(value: Any) -> str:
    """A metric number as written: 6 not 6.0, 3.2 as 3.2; anything else as its text."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def reads(metric: Any) -> str:
    """How a metric reads: "name: baseline -> value unit" (no baseline: "name: value unit")."""
    if not isinstance(metric, dict):
        return ""
    unit = str(metric.get("unit") or "").strip()
    value = number(metric.get("value"))
    value = f"{value}{unit}" if unit in ("%", "x", "×") else f"{value} {unit}".strip()
    if metric.get("baseline") is not None:
        value = f"{number(metric['baseline'])} -> {value}"
    name = str(metric.get("name") or "").strip()
    return f"{name}: {value}" if name else value
