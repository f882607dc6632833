"""Numeric anchors: the numbers in an answer that carry a metric.

A number counts when it carries a unit, a percent sign or a currency ("180 ms", "3x", "$2k",
"six months", "a 30-second timeout"), when it is a change or a range between bare numbers
("from 19 to 4"), a rate ("two changes a day"), a count of ten or more things written in
digits ("10 copies", "12 shards") or a change by a fraction or a multiple ("halved"). Ages
("25-45 year olds"), small counts ("2 books") and "one minute to think" do not.
"""

from __future__ import annotations

import re
from typing import Protocol

_SPELLED = (
    "two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty"
    "|sixty|seventy|eighty|ninety|hundred|a hundred|a thousand"
)
# "one" counts only before a rate ("one percent"): "one minute to think" is not a metric
_ONE_RATE = r"one\s+(?:percent|per\s+cent|percentage\s+points?|basis\s+points?)"
_NUMBER = rf"(?:\d[\d,]*(?:\.\d+)?|(?:{_SPELLED})(?=\s))"
_PERIOD = r"(?:second|minute|hour|day|week|month|quarter|year|sprint|release|request|user)"
# a count per period ("two changes a day", "40 deploys per week")
_RATE = re.compile(
    rf"(?<![\w.]){_NUMBER}\s+(?:[a-z-]+\s+){{1,2}}?(?:a|an|per|each|every)\s+{_PERIOD}\b", re.I
)
# a count of things in digits ("10 copies", "12 pull requests"); these plurals name a
# structure, not a metric
_STRUCTURE = "steps options things ways questions parts points years olds"
_NOT_COUNTS = set(_STRUCTURE.split())
_COUNT = re.compile(r"(?<![\w.$€£])\d[\d,]*(?:\.\d+)?\s+(?:[a-z-]+\s+)?([a-z]{3,}s)\b(?!['’]\w)")


# a change by a fraction or a multiple ("dropped by half", "doubled")
_FRACTION = re.compile(
    r"\b(?:doubled|tripled|quadrupled|halved|(?:cut|dropped|fell|grew|rose|shrank|reduced"
    r"|increased|decreased)\s+(?:by\s+)?(?:half|a\s+third|a\s+quarter|two-thirds))\b",
    re.I,
)


class _Lists(Protocol):
    units: tuple[str, ...]
    currency: tuple[str, ...]


def numeric_anchors(text: str, phrases: _Lists) -> list[str]:
    """Numbers with a unit, percent sign or currency, ranges, rates and counts, in order."""
    units = "|".join(sorted((re.escape(u) for u in phrases.units), key=len, reverse=True))
    money = "|".join(re.escape(c) for c in phrases.currency)
    rx = re.compile(
        rf"(?:(?:{money})\s?{_NUMBER}\s?[kmb]?(?![\w]))|(?:(?<![\w.]){_NUMBER}[\s-]?(?:{units})(?![\w]))",
        re.IGNORECASE,
    )
    found = [
        (m.start(), m.end(), m.group(0).strip())
        for m in rx.finditer(text)
        if not re.match(r"[\s-]*olds?\b", text[m.end() :], re.I)  # an age, not a metric
    ]
    for m in re.finditer(rf"(?<![\w-]){_ONE_RATE}(?![\w])", text, re.IGNORECASE):
        found.append((m.start(), m.end(), m.group(0)))
    # a change or a range between bare numbers ("from 19 to 4 a week") is an anchor as well
    ranges = re.compile(rf"(?<![\w.])from\s+{_NUMBER}\s+to\s+{_NUMBER}(?![\w.]\d)", re.I)
    # a small count ("2 books") tells a story, a large one measures something ("12 shards")
    counts = [
        m
        for m in _COUNT.finditer(text)
        if m.group(1).lower() not in _NOT_COUNTS
        and float(m.group(0).split()[0].replace(",", "")) >= 10
    ]
    for m in [*ranges.finditer(text), *_RATE.finditer(text), *counts, *_FRACTION.finditer(text)]:
        if not any(a < m.end() and m.start() < b for a, b, _ in found):
            found.append((m.start(), m.end(), m.group(0).strip()))
    return [anchor for *_, anchor in sorted(found)]
