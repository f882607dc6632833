"""Literal keys of a short regular expression: letters every match contains.

A cold `prepops score` pays for compiling each pattern it tries. A pattern one of whose
requirements is absent from the answer cannot match it, so it need not be compiled. The
requirements are found by reading the expression's top level: a plain run of letters there
must appear in every match, and so must one of the alternatives of a group that is not
optional, when each alternative opens with three letters or more. An expression with no
such part has no requirement (it is always tried).
"""

from __future__ import annotations

from functools import cache

_QUANTIFIERS = ("?", "*", "{0")
_LOOKS = ("?=", "?!", "?<=", "?<!")


def _skip_class(body: str, i: int) -> int:
    """Index just past the character class that opens at body[i] ("[")."""
    j = i + 1
    j += body[j : j + 1] == "^"
    j += body[j : j + 1] == "]"  # a "]" first in the class is a literal
    while j < len(body) and body[j] != "]":
        j += 2 if body[j] == "\\" else 1
    return j + 1


def _close(body: str, i: int) -> int:
    """Index of the ")" that closes the group opening at body[i]."""
    depth, j = 0, i
    while j < len(body):
        c = body[j]
        if c == "\\":
            j += 2
            continue
        if c == "[":
            j = _skip_class(body, j)
            continue
        depth += (c == "(") - (c == ")")
        if depth == 0:
            return j
        j += 1
    return len(body)


def _split(inner: str) -> list[str]:
    """The top-level alternatives of a group's body."""
    parts, depth, start, j = [], 0, 0, 0
    while j < len(inner):
        c = inner[j]
        if c == "\\":
            j += 2
            continue
        if c == "[":
            j = _skip_class(inner, j)
            continue
        depth += (c == "(") - (c == ")")
        if c == "|" and depth == 0:
            parts.append(inner[start:j])
            start = j + 1
        j += 1
    return [*parts, inner[start:]]


def _lead(text: str) -> str:
    """The letters a piece of expression opens with (a last letter made optional dropped)."""
    k = 0
    while k < len(text) and text[k].isalpha():
        k += 1
    return text[: k - 1] if text[k : k + 1] in ("?", "*", "{") else text[:k]


@cache
def requirements(body: str) -> tuple[tuple[str, ...], ...]:
    """Every match of `body` contains one lower-case literal of each returned tuple."""
    found: list[tuple[str, ...]] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\":
            i += 2
        elif c == "[":
            i = _skip_class(body, i)
        elif c == "|":
            return ()  # a top-level alternation: no part is required
        elif c == "(":
            j = _close(body, i)
            inner, after = body[i + 1 : j], body[j + 1 : j + 3]
            if not after.startswith(_QUANTIFIERS) and not inner.startswith(_LOOKS):
                alts = _split(inner[2:]) if inner.startswith("?:") else []
                leads = [_lead(a).lower() for a in alts]
                if leads and all(len(x) >= 3 for x in leads):
                    found.append(tuple(leads))
            i = j + 1
        elif c.isalpha():
            run = _lead(body[i:])
            if len(run) >= 3:
                found.append((run.lower(),))
            i += max(len(run), 1)
        else:
            i += 1
    return tuple(found)


def keys(body: str) -> tuple[str, ...] | None:
    """The most selective requirement of `body` (its longest shortest literal), or None."""
    found = requirements(body)
    return max(found, key=lambda ks: min(map(len, ks))) if found else None
