"""Word overlap between a question and evidence packets: a small analyzer and BM25 (bm25s).

Light on purpose (numpy and bm25s only): `prepops retrieve` runs it in a cold process.
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


def stem(word: str) -> str:
    """A light suffix strip, so "caching"/"cache" and "regressions"/"regression" meet."""
    for suffix in ("ations", "ation", "ings", "ing", "ies", "ed", "es", "s", "e"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def analyze(text: str) -> list[str]:
    """The BM25 analyzer: tokens of `text` without stopwords, stemmed."""
    return [stem(t) for t in tokens(text) if t not in STOPWORDS]


def joined(*parts: Any) -> str:
    """The parts as one text: lists are flattened, None is skipped, anything else is str()."""
    out = []
    for part in parts:
        if isinstance(part, list):
            out += [str(p) for p in part]
        elif part is not None:
            out.append(str(part))
    return " ".join(out)


def shared_words(question: str, text: str) -> list[str]:
    """The question's content words (as written, once each) whose stem also occurs in `text`."""
    found = set(analyze(text))
    words = [t for t in tokens(question) if t not in STOPWORDS and stem(t) in found]
    return list(dict.fromkeys(words))


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


def bm25(question: str, corpus: list[str]) -> list[float]:
    """BM25 score of each text for the question, divided by the best (so the best is 1)."""
    query = analyze(question)
    if not query:
        return [0.0] * len(corpus)
    index = _bm25s().BM25()
    index.index([analyze(text) or ["_"] for text in corpus], show_progress=False)
    raw = [float(r) for r in index.get_scores(query)]
    top = max(raw) if max(raw) > 0 else 1.0
    return [r / top for r in raw]
