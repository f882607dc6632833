"""The retriever: one evidence packet for a question, handed over whole (its story, its metric
with baseline -> value and unit, its failure mode), and why it was chosen.

Packets are ranked as units, by these keys in order; each key only separates packets the
keys before it tie on:
  1. the routed mode: packets that list it, then packets that list the router's secondary;
  2. the kind of metric the question asks for (quality, latency, cost, people; see
     retrieval/metrics.py): packets whose metric is of that kind;
  3. the company card: packets it names in `stories`;
  4. word overlap: BM25 (bm25s) over the packet's whole text, best = 1;
then file order. So a debugging question gets a debugging packet whenever one exists, and
a question about model quality gets a quality metric whenever a packet of its mode has one.
Light: numpy and bm25s only (`prepops retrieve` runs in a cold process).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from prepops.features.retrieval import metrics
from prepops.features.retrieval.text import bm25, joined, shared_words

EMPTY = {"evidence_id": None, "story": None, "metric": None, "failure_mode": None, "why": None}


@dataclass(frozen=True)
class Context:
    """What is known about the question besides its words: routing and the company card."""

    mode: str | None = None
    secondary: str | None = None
    company_stories: list[str] = field(default_factory=list)
    company: str | None = None


def packet_text(packet: dict) -> str:
    """All the words of a packet that BM25 sees."""
    metric = packet.get("metric") if isinstance(packet.get("metric"), dict) else {}
    return joined(
        packet.get("title"),
        packet.get("story"),
        metric.get("name"),
        metric.get("unit"),
        packet.get("failure_mode"),
        packet.get("outcome"),
        packet.get("keywords"),
    )


def _modes(packet: dict) -> list:
    modes = packet.get("modes")
    return modes if isinstance(modes, list) else []


def _serves(modes: list, mode: str | None) -> bool:
    return mode is not None and mode in modes


def rank(question: str, packets: list[dict], context: Context) -> list[tuple[tuple, dict]]:
    """The packets, best first, each with its ranking key (mode, kind, company, bm25)."""
    asked = metrics.asked(question)
    words = bm25(question, [packet_text(p) for p in packets])
    keyed = []
    for i, (packet, overlap) in enumerate(zip(packets, words, strict=True)):
        modes = _modes(packet)
        mode = 2 if _serves(modes, context.mode) else int(_serves(modes, context.secondary))
        kind = int(metrics.kind(packet.get("metric")) in asked)
        company = int(packet.get("id") in context.company_stories)
        keyed.append(((mode, kind, company, round(overlap, 6), -i), packet))
    return sorted(keyed, key=lambda kp: kp[0], reverse=True)


def _why(question: str, key: tuple, packet: dict, context: Context) -> dict[str, Any]:
    mode, kind, company, overlap, _ = key
    served = {2: context.mode, 1: context.secondary}.get(mode)
    return {
        "mode": served,
        "routed_mode": context.mode,
        "metric_kind": metrics.kind(packet.get("metric")) if kind else None,
        "asked_kinds": metrics.asked(question),
        "company": (context.company or "the company card") if company else None,
        "terms": shared_words(question, packet_text(packet)),
        "word_score": round(overlap, 4),
    }


def _slots(packet: dict) -> dict[str, Any]:
    pid = packet.get("id")
    metric = packet.get("metric") if isinstance(packet.get("metric"), dict) else {}
    return {
        "story": {"evidence_id": pid, "title": packet.get("title"), "story": packet.get("story")},
        "metric": {
            "evidence_id": pid,
            "name": metric.get("name"),
            "value": metric.get("value"),
            "unit": metric.get("unit"),
            "baseline": metric.get("baseline"),
            "kind": metrics.kind(metric),
            "text": metrics.reads(metric),
        },
        "failure_mode": {"evidence_id": pid, "text": packet.get("failure_mode")},
    }


def retrieve(
    question: str,
    packets: list[dict],
    mode: str | None = None,
    company_stories: list[str] | None = None,
    *,
    secondary: str | None = None,
    company: str | None = None,  # the card's name: only to say why
) -> dict[str, Any]:
    """The best packet for a question as one unit (story, metric, failure mode) and why."""
    if not packets:
        return dict(EMPTY)
    ctx = Context(mode, secondary, list(company_stories or []), company)
    key, best = rank(question, packets, ctx)[0]
    return {
        "evidence_id": best.get("id"),
        "title": best.get("title"),
        **_slots(best),
        "why": _why(question, key, best, ctx),
    }


def explain(result: dict[str, Any]) -> str:
    """One line that says why the packet was chosen: mode, metric kind, company, shared words."""
    why = result.get("why") or {}
    routed, served = why.get("routed_mode"), why.get("mode")
    if served and served == routed:
        parts = [f"serves {served}, the routed mode"]
    elif served:
        parts = [f"no packet serves {routed}; serves {served}, the router's second choice"]
    else:
        parts = [f"no packet serves {routed}" if routed else "no routed mode"]
    if why.get("metric_kind"):
        parts.append(f"a {why['metric_kind']} metric, as the question asks")
    elif why.get("asked_kinds"):
        among = f" among the {served} packets" if served else ""
        parts.append(f"no {' or '.join(why['asked_kinds'])} metric{among}")
    if why.get("company"):
        parts.append(f"on the stories of {why['company']}")
    terms = why.get("terms") or []
    parts.append(f"shared words: {', '.join(terms)}" if terms else "no shared words")
    return "; ".join(parts)


def describe_empty(workspace: str) -> str:
    """The message shown when the workspace has no usable evidence packet."""
    return (
        f"{workspace}/evidence: no usable evidence packets, so there is nothing to retrieve; "
        "add one per story (see docs/contract.md, evidence/*.yaml)"
    )
