"""Tokens must be earned: a marker counts only when it is said with substance.

Keyword density without reasoning reads as stuffing, not structure. A role, restatement,
constraint, assumption or robustness marker is earned when its sentence names something
besides marker phrases: at least one content word (three letters or more, not a function
word or filler) or a number outside the keywords of every marker (the words its phrase spells
out; what a pattern matched as a wildcard, "the error budget for Q3 is spent", is content
and earns it). "The constraint is paying users"
and "Failure modes: the cache goes cold" are earned; "Constraints. Rollback. Failure modes."
is not. A sentence that opens by pointing back ("If that fails, we roll back") borrows the
content of the sentence before it; an announcement with no content of its own ("Let me start
with requirements.") is earned by the sentence after it, when that one carries content.
Routing, separator, stop and numeric tokens are structure or numbers by themselves and are
never checked.
"""

from __future__ import annotations

import re
from functools import cache

CHECKED = ("role", "restatement", "constraint", "assumption", "robustness")
_WORD = re.compile(r"[A-Za-z][\w'’-]*|\d+")
_POINTS_BACK = re.compile(
    r"^\W*(?:(?:so|and|but|then)\W+)?(?:(?:if|when|once|unless)\W+)?(?:that|this|it|they|those|these)\b",
    re.IGNORECASE,
)
_FUNCTION_WORDS = """
    a an the and or but so if then than that this these those it its is are was were be been
    being am i we you they he she me us our my your their them to of in on at by for with as
    from into about over under have has had do does did done will would could should can may
    might must shall just really very also too there here what which who how why when where
    all any some lots lot many much more most other thing things stuff yeah okay ok well right
    um uh erm basically like know mean sort kind get got say said going gonna let let's i'll
    i'd i'm i've we'll we'd we're you're that's it's there's here's what's don't can't won't
    not no yes one both each every
"""
_FUNCTION = set(_FUNCTION_WORDS.split())


def content_words(text: str, start: int, end: int, markers: list[tuple[int, int]]) -> int:
    """Words in text[start:end] that carry content and lie outside every marker phrase."""
    count = 0
    for m in _WORD.finditer(text, start, end):
        word = m.group(0).lower().replace("’", "'")
        if any(a <= m.start() < b for a, b in markers):
            continue
        count += word.isdigit() or (len(word) >= 3 and word not in _FUNCTION)
    return count


def earned(
    text: str, pos: int, sentences: list[tuple[int, int]], markers: list[tuple[int, int]]
) -> bool:
    """Whether the marker starting at `pos` is said with substance (see the module doc)."""
    index = next((i for i, (a, b) in enumerate(sentences) if a <= pos < b), None)
    if index is None:
        return content_words(text, 0, len(text), markers) > 0
    start, end = sentences[index]
    if content_words(text, start, end, markers):
        return True
    if index and _POINTS_BACK.match(text[start:end]):
        return content_words(text, *sentences[index - 1], markers) > 0
    # an announcement ("Let me start with requirements.", "Timelines were tight.") is earned
    # by what follows it: the next sentence must carry content of its own
    if index + 1 < len(sentences):
        return content_words(text, *sentences[index + 1], markers) > 0
    return False


@cache
def _vocabulary(phrase: str) -> frozenset[str]:
    """The words a phrase or an expression spells out (its keywords)."""
    return frozenset(w for w in re.findall(r"[a-z]+", phrase.lower()) if len(w) >= 2)


def keyword_spans(text: str, found: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """Spans of the words of each match that its phrase spells out: the keywords. Words an
    expression matched as a wildcard ("the error budget for *Q3* is spent") are content."""
    out = []
    for a, b, phrase in found:
        vocab = _vocabulary(phrase)
        for m in re.finditer(r"[A-Za-z]+", text[a:b]):
            word = m.group(0).lower()
            if any(word.startswith(v) or (len(v) >= 5 and v.startswith(word)) for v in vocab):
                out.append((a + m.start(), a + m.end()))
    return sorted(out)
