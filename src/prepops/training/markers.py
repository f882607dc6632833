"""Transcript analysis: the "special tokens" of a good answer, fillers, pace and signal.

Light on purpose (re and yaml only): `prepops score` runs it in a cold process.

Definitions (also in the README):
- words: whitespace-separated tokens. wpm: words per minute of `duration_s`.
- fillers: occurrences of the filler phrases, plus "like" where it is a filler (like_fillers).
  filler_rate: fillers per 100 words.
- markers: which special tokens occur (phrase lists in resources/phrases.yaml); `numeric`
  is present when the answer has at least one numeric anchor.
- numeric_anchors: numbers carrying a unit, a percent sign or a currency ("180 ms", "3x",
  "$2k", "six months"), and changes between bare numbers ("from 19 to 4").
- coverage: share of the seven core markers present (restatement, constraint, assumption,
  routing, robustness, numeric, stop).
- segment_coverage: share of the mode's expert-card segments the answer addresses (a
  segment counts when each of its content words appears, matched on a 5-letter stem).
- snr: scorable units per minute: distinct markers + numeric anchors + distinct evidence ids
  mentioned + segments covered, divided by the answer's minutes.
- latency_s: seconds before the first restatement or constraint, at the answer's own pace
  (word position / words * duration); the whole duration when neither occurs.
- markers can be phrases or, prefixed "re:", short regular expressions (routing commitments
  such as "I'd treat this like an incident" or "let me start with the requirements").
- stop: a stop phrase, or a closing sentence in the answer's last part (from 60 % of its
  characters, or one of its last two sentences) that says at least two of: a decision
  ("my decision is", "I'd go with"), its main risk, and the first next/verification step.
- has_stop: a stop starts in the last quarter of the answer or inside its last sentence.
- order_score: share of pairs of first occurrences that follow the canonical order
  restatement -> constraint -> assumption -> routing -> solution -> robustness -> stop
  (solution = the first covered segment); None when fewer than two are present.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

CORE = ("restatement", "constraint", "assumption", "routing", "robustness", "numeric", "stop")
ORDER = ("restatement", "constraint", "assumption", "routing", "solution", "robustness", "stop")
_STOPWORDS = {"a", "an", "and", "the", "of", "to", "i", "what", "did", "for", "in", "on", "my"}
# "like" is a verb or a comparison after these words, never a filler.
_LIKE_KEEP_BEFORE = {
    "would",
    "i",
    "you",
    "we",
    "they",
    "looks",
    "look",
    "seems",
    "seem",
    "feel",
    "feels",
    "felt",
    "sounds",
    "just",
    "something",
    "anything",
    "things",
    "much",
    "more",
    "exactly",
    "not",
    "don't",
    "didn't",
    "really",
    "it",
    "is",
    "was",
    "be",
    "nothing",
    "lot",
}
_SPELLED = "two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|fifty|hundred"
_CLAUSE_START = {"so", "and", "but", "um", "uh", "erm", "then", "because", "or", "basically"}


@dataclass(frozen=True)
class Phrases:
    """The phrase lists answers are scored with: fillers, markers, units and currency."""

    fillers: tuple[str, ...]
    markers: dict[str, tuple[str, ...]]
    units: tuple[str, ...]
    currency: tuple[str, ...]
    closing: dict[str, tuple[str, ...]] = field(default_factory=dict)


@cache
def default_phrases() -> Phrases:
    """The packaged phrase lists (resources/phrases.yaml), read once per process."""
    raw = yaml.safe_load((resources.files("prepops") / "resources" / "phrases.yaml").read_text())
    return Phrases(
        tuple(raw["fillers"]),
        {k: tuple(v) for k, v in raw["markers"].items()},
        tuple(raw["units"]),
        tuple(raw["currency"]),
        {k: tuple(v) for k, v in raw.get("closing", {}).items()},
    )


def extend(base: Phrases, extra: dict[str, Any] | None) -> Phrases:
    """Defaults plus the lists from params.yaml `score.phrases` (added, never replaced)."""
    if not extra:
        return base
    markers = {k: v + tuple(extra.get("markers", {}).get(k, ())) for k, v in base.markers.items()}
    return Phrases(
        base.fillers + tuple(extra.get("fillers", ())),
        markers,
        base.units + tuple(extra.get("units", ())),
        base.currency + tuple(extra.get("currency", ())),
        base.closing,
    )


@cache
def _pattern(phrase: str) -> re.Pattern[str]:
    if phrase.startswith("re:"):  # a short regular expression, on word boundaries
        body = phrase[3:].strip().replace("'", "['’]").replace(" ", r"\s+")
        return re.compile(rf"(?<![\w']){body}(?![\w'])", re.IGNORECASE)
    body = re.escape(phrase.rstrip("*")).replace(r"\ ", r"\s+").replace("'", "['’]")
    tail = r"\w*" if phrase.endswith("*") else (r"(?![\w'])" if phrase[-1:].isalnum() else "")
    return re.compile(rf"(?<![\w']){body}{tail}", re.IGNORECASE)


def _positions(text: str, phrases: tuple[str, ...]) -> list[int]:
    return sorted(m.start() for p in phrases for m in _pattern(p).finditer(text))


def like_fillers(text: str) -> list[int]:
    """Character positions of "like" used as a filler.

    A filler "like" is set off by a comma after it ("it was like, slow"), hedges a number
    ("we had like 3x the traffic"), or opens a clause
    (after a comma, a sentence end, or so/and/but/um), and does not follow a word that makes
    it a verb or a comparison (would like, looks like, something like, I like).
    """
    found = []
    for m in re.finditer(r"\blike\b", text, re.IGNORECASE):
        before = text[: m.start()].rstrip()
        prev = re.findall(r"[\w']+", before[-30:].lower())
        prev_word = prev[-1] if prev else ""
        after = text[m.end() : m.end() + 2]
        if prev_word in _LIKE_KEEP_BEFORE and not before.endswith(","):
            continue
        comma_after = after.startswith(",") or bool(re.match(r"\s+\d", text[m.end() :]))
        opens_clause = not before or before[-1] in ",.!?;:" or prev_word in _CLAUSE_START
        if comma_after or opens_clause:
            found.append(m.start())
    return found


def numeric_anchors(text: str, phrases: Phrases) -> list[str]:
    """Numbers with a unit, percent sign or currency, in order of appearance."""
    units = "|".join(sorted((re.escape(u) for u in phrases.units), key=len, reverse=True))
    money = "|".join(re.escape(c) for c in phrases.currency)
    number = rf"(?:\d[\d,]*(?:\.\d+)?|(?:{_SPELLED})(?=\s))"
    rx = re.compile(
        rf"(?:(?:{money})\s?{number}\s?[kmb]?(?![\w]))|(?:(?<![\w.]){number}\s?(?:{units})(?![\w]))",
        re.IGNORECASE,
    )
    found = [(m.start(), m.end(), m.group(0).strip()) for m in rx.finditer(text)]
    # a change or a range between bare numbers ("from 19 to 4 a week") is an anchor as well
    ranges = re.compile(rf"(?<![\w.])from\s+{number}\s+to\s+{number}(?![\w.]\d)", re.IGNORECASE)
    for m in ranges.finditer(text):
        if not any(a < m.end() and m.start() < b for a, b, _ in found):
            found.append((m.start(), m.end(), m.group(0).strip()))
    return [anchor for *_, anchor in sorted(found)]


def _stem(word: str) -> str:
    return word.lower()[:5]


def covered_segments(text: str, segments: list[str] | tuple[str, ...]) -> dict[str, int]:
    """Segment -> character position where it is first addressed (only covered segments)."""
    tokens = [(m.start(), _stem(m.group(0))) for m in re.finditer(r"[A-Za-z][\w'-]*", text)]
    covered: dict[str, int] = {}
    for segment in segments:
        words = [w for w in re.findall(r"[a-z']+", segment.lower()) if w not in _STOPWORDS]
        if not words:
            continue
        hits = [next((pos for pos, tok in tokens if tok == _stem(w)), None) for w in words]
        if all(h is not None for h in hits):
            covered[segment] = min(h for h in hits if h is not None)
    return covered


def _sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) character spans of the sentences of `text`."""
    spans, start = [], 0
    for m in re.finditer(r"[.!?]+(?=\s|$)", text):
        if text[start : m.end()].strip():
            spans.append((start, m.end()))
        start = m.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def closing_stops(text: str, phrases: Phrases) -> list[int]:
    """Starts of closing sentences: decision, main risk, first (verification) step.

    A sentence (read together with the one after it) counts when it says at least two of the
    three parts and lies in the answer's last part: from 60 % of its characters on, or among
    its last two sentences. Narration ("then I decided to go home") names none of the parts.
    """
    if not phrases.closing:
        return []
    spans = _sentences(text)
    found = []
    for i, (start, _end) in enumerate(spans):
        if start < 0.6 * len(text) and i < len(spans) - 2:
            continue
        window = text[start : spans[min(i + 1, len(spans) - 1)][1]]
        parts = sum(any(_pattern(p).search(window) for p in ps) for ps in phrases.closing.values())
        own = text[start : spans[i][1]]
        said_here = any(_pattern(p).search(own) for ps in phrases.closing.values() for p in ps)
        if parts >= 2 and said_here:
            found.append(start + len(own) - len(own.lstrip()))
    return found


def _header_separators(text: str) -> list[int]:
    return [m.start(1) for m in re.finditer(r"(?:^|[.!?]\s+)([A-Z][a-z]+(?: [a-z]+)?):\s", text)]


def order_score(first: dict[str, int]) -> float | None:
    """Share of pairs of first occurrences in canonical ORDER; None with fewer than two."""
    present = [k for k in ORDER if k in first]
    pairs = [(a, b) for i, a in enumerate(present) for b in present[i + 1 :]]
    if not pairs:
        return None
    return round(sum(first[a] < first[b] for a, b in pairs) / len(pairs), 4)


def marker_positions(text: str, phrases: Phrases, anchors: list[str]) -> dict[str, list[int]]:
    """Where each special token occurs: phrase lists, header separators, closing stops, numbers."""
    positions = {name: _positions(text, plist) for name, plist in phrases.markers.items()}
    positions["separator"] = sorted(positions.get("separator", []) + _header_separators(text))
    positions["stop"] = sorted(positions.get("stop", []) + closing_stops(text, phrases))
    if anchors:
        positions["numeric"] = [text.find(anchors[0])]
    return positions


def score(
    text: str,
    duration_s: float,
    segments: list[str] | tuple[str, ...] = (),
    evidence_ids: list[str] | tuple[str, ...] = (),
    phrases: Phrases | None = None,
) -> dict[str, Any]:
    """Score one answer. Pure: the same text, duration and lists give the same numbers."""
    phrases = phrases or default_phrases()
    words = text.split()
    n_words = len(words)
    minutes = duration_s / 60 if duration_s > 0 else float("nan")
    filler_pos = _positions(text, phrases.fillers) + like_fillers(text)
    anchors = numeric_anchors(text, phrases)
    positions = marker_positions(text, phrases, anchors)
    present = sorted(k for k, v in positions.items() if v)
    segs = covered_segments(text, segments) if segments else {}
    mentioned = sorted({e for e in evidence_ids if _pattern(e).search(text)})
    chars = max(len(text), 1)

    def at(pos: int) -> float:  # seconds into the answer at its own pace
        return round(duration_s * len(text[:pos].split()) / max(n_words, 1), 2)

    first = {k: v[0] for k, v in positions.items() if v}
    if segs:
        first["solution"] = min(segs.values())
    opening = [first[k] for k in ("restatement", "constraint") if k in first]
    stop_pos = positions.get("stop", [])
    spans = _sentences(text)
    last_start = spans[-1][0] if spans else 0
    units = len(present) + len(anchors) + len(mentioned) + len(segs)
    return {
        "words": n_words,
        "duration_s": duration_s,
        "wpm": round(n_words / minutes, 1) if minutes == minutes else None,
        "fillers": len(filler_pos),
        "filler_rate": round(100 * len(filler_pos) / n_words, 2) if n_words else 0.0,
        "markers": present,
        "numeric_anchors": anchors,
        "evidence_mentions": mentioned,
        "snr": round(units / minutes, 2) if minutes == minutes else None,
        "coverage": round(sum(k in present for k in CORE) / len(CORE), 4),
        "segments_covered": sorted(segs, key=segs.get),
        "segment_coverage": round(len(segs) / len(segments), 4) if segments else None,
        "latency_s": at(min(opening)) if opening else float(duration_s),
        "has_stop": any(p >= min(0.75 * chars, last_start) for p in stop_pos),
        "order_score": order_score(first),
    }
