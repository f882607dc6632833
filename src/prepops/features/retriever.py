"""The retriever: one story, one metric and one failure mode for a question's context window.

Each is ranked with BM25 (bm25s) over its own text plus the packet's title and keywords,
then boosted when the packet serves the routed expert mode and when the company card lists
it among its `stories`. Scores are normalized per ranking (best BM25 = 1) so the boosts
mean the same on any corpus. Light: numpy and bm25s only.
"""

from __future__ import annotations

from typing import Any

from prepops.model.router import tokens

_STOPWORD_TEXT = (
    "a an and are as at be but by can could do does did for from had has have how i if in "
    "into is it its me my of on or our so than that the their them then there these they this "
    "to up was we were what when where which while who why will with would you your about "
    "after before again all any more most some such no not only own same too very just now "
    "tell walk through"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
BOOSTS = {"mode": 0.3, "company": 0.2}


def stem(word: str) -> str:
    """A light suffix strip, so "caching"/"cache" and "regressions"/"regression" meet."""
    for suffix in ("ations", "ation", "ings", "ing", "ies", "ed", "es", "s", "e"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def analyze(text: str) -> list[str]:
    """The BM25 analyzer: tokens of `text` without stopwords, stemmed."""
    return [stem(t) for t in tokens(text) if t not in STOPWORDS]


def _text(*parts: Any) -> str:
    out = []
    for part in parts:
        if isinstance(part, list):
            out += [str(p) for p in part]
        elif part is not None:
            out.append(str(part))
    return " ".join(out)


def _bm25s():
    """Import bm25s without letting it pull in scipy.sparse (0.3 s of a cold CLI call): with
    scipy absent it uses its numpy backend, which is all a few hundred packets need."""
    import sys

    if "bm25s" in sys.modules or "scipy.sparse" in sys.modules:
        import bm25s
    else:
        sys.modules["scipy.sparse"] = None  # type: ignore[assignment]  # import fails -> numpy
        try:
            import bm25s
        finally:
            del sys.modules["scipy.sparse"]
    return bm25s


def _rank(query: list[str], corpus: list[str], bonus: list[float]) -> list[float]:
    bm25s = _bm25s()
    docs = [analyze(text) or ["_"] for text in corpus]
    index = bm25s.BM25()
    index.index(docs, show_progress=False)
    raw = list(index.get_scores(query)) if query else [0.0] * len(docs)
    top = float(max(raw)) if raw and max(raw) > 0 else 1.0
    return [float(r) / top + b for r, b in zip(raw, bonus, strict=True)]


def _best(scores: list[float], packets: list[dict]) -> tuple[dict, float]:
    i = max(range(len(packets)), key=lambda j: (scores[j], -j))
    return packets[i], round(scores[i], 4)


def retrieve(
    question: str, packets: list[dict], mode: str | None, company_stories: list[str]
) -> dict[str, Any]:
    """Best story, metric and failure mode among the packets for a question, with scores."""
    if not packets:
        return {"story": None, "metric": None, "failure_mode": None}
    query = analyze(question)
    bonus = [
        BOOSTS["mode"] * (mode in (p.get("modes") or []))
        + BOOSTS["company"] * (p["id"] in company_stories)
        for p in packets
    ]
    stories = _rank(
        query, [_text(p["title"], p["story"], p.get("keywords")) for p in packets], bonus
    )
    metrics = _rank(
        query,
        [
            _text(p["metric"].get("name"), p["metric"].get("unit"), p["title"], p.get("keywords"))
            for p in packets
        ],
        bonus,
    )
    failures = _rank(query, [_text(p["failure_mode"], p.get("keywords")) for p in packets], bonus)
    story, s_score = _best(stories, packets)
    metric, m_score = _best(metrics, packets)
    failure, f_score = _best(failures, packets)
    return {
        "story": {
            "evidence_id": story["id"],
            "title": story["title"],
            "story": story["story"],
            "score": s_score,
        },
        "metric": {
            "evidence_id": metric["id"],
            "name": metric["metric"].get("name"),
            "value": metric["metric"].get("value"),
            "unit": metric["metric"].get("unit"),
            "score": m_score,
        },
        "failure_mode": {
            "evidence_id": failure["id"],
            "text": failure["failure_mode"],
            "score": f_score,
        },
    }


def describe_empty(workspace: str) -> str:
    """The message shown when the workspace has no usable evidence packet."""
    return (
        f"{workspace}/evidence: no usable evidence packets, so there is nothing to retrieve; "
        "add one per story (see docs/contract.md, evidence/*.yaml)"
    )
