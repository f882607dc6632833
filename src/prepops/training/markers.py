"""Transcript analysis: the "special tokens" of a good answer, fillers, pace and signal.

Light on purpose (re and yaml only): `prepops score` runs it in a cold process.

Definitions (also in the README):
- words: whitespace-separated tokens. wpm: words per minute of `duration_s`.
- fillers: occurrences of the filler phrases, plus "like" where it is a filler (like_fillers).
  filler_rate: fillers per 100 words.
- markers: which special tokens occur (phrase lists in resources/phrases.yaml; each phrase
  also matches its contractions, plurals and tense variants, see phrasing.py); `numeric`
  is present when the answer has at least one numeric anchor. A role, restatement,
  constraint, assumption or robustness marker counts only when said with substance
  (substance.py); one said only as a keyword goes to `stuffed` instead.
- numeric_anchors: numbers carrying a unit, a percent sign or a currency ("180 ms", "3x",
  "$2k", "six months", "a 30-second timeout"), changes or ranges between bare numbers
  ("from 19 to 4"), rates ("two changes a day") and counts in digits ("10 copies");
  see anchors.py.
- coverage: share of the seven core markers present (restatement, constraint, assumption,
  routing, robustness, numeric, stop).
- segment_coverage: share of the mode's expert-card segments the answer addresses (a
  segment counts when each of its meaning words appears: words of five letters or more on
  a 5-letter stem, shorter ones as written or inflected; a segment made only of common
  words, such as "what I did", counts when said word for word).
- snr: scorable units per minute: distinct markers + numeric anchors + distinct evidence ids
  mentioned + segments covered, divided by the answer's minutes.
- latency_s: seconds before the first restatement or constraint, at the answer's own pace
  (word position / words * duration); the whole duration when neither occurs.
- markers can be phrases or, prefixed "re:", short regular expressions (routing commitments
  such as "I'd treat this like an incident" or "let me start with the requirements").
- stop: a stop phrase, or a closing sentence in the answer's last part (from 60 % of its
  characters, or one of its last two sentences) that says at least two of: a decision
  ("my decision is", "I'd go with"), its main risk, and the first next/verification step.
- routing also: plans announced in the opening (first three sentences) only, from the
  `opening` lists ("my first step would be to ...", "I'd first evaluate ..."): later in an
  answer the same words narrate a step or close it.
- separators also: short part labels ("Why it failed: ...") and clause-opening ordinals that
  do not narrate a past step; restatement also: an either/or question in the first sentences.
- has_stop: a stop starts in the answer's closing: its last two sentences, or its last quarter
  (a two-sentence answer's closing decision may start in its first half).
- order_score: share of pairs of first occurrences that follow the canonical order
  restatement -> constraint -> assumption -> routing -> solution -> robustness -> stop
  (solution = the first covered segment); None (order_note says why) when fewer than three
  are present, so a thin answer never scores perfect order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from prepops.training import phrasing, substance
from prepops.training.anchors import numeric_anchors
from prepops.training.phrasing import like_fillers

CORE = ("restatement", "constraint", "assumption", "routing", "robustness", "numeric", "stop")
ORDER = ("restatement", "constraint", "assumption", "routing", "solution", "robustness", "stop")
_STOPWORDS = {"a", "an", "and", "the", "of", "to", "i", "what", "did", "for", "in", "on", "my"}


@dataclass(frozen=True)
class Phrases:
    """The phrase lists answers are scored with: fillers, markers, units and currency."""

    fillers: tuple[str, ...]
    markers: dict[str, tuple[str, ...]]
    units: tuple[str, ...]
    currency: tuple[str, ...]
    closing: dict[str, tuple[str, ...]] = field(default_factory=dict)
    opening: dict[str, tuple[str, ...]] = field(default_factory=dict)


@cache
def default_phrases() -> Phrases:
    """The packaged phrase lists (resources/phrases.yaml), read once per process."""
    text = (resources.files("prepops") / "resources" / "phrases.yaml").read_text("utf-8")
    # our own packaged file; the C loader when PyYAML has it (a cold `prepops score` pays this)
    raw = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return Phrases(
        tuple(raw["fillers"]),
        {k: tuple(v) for k, v in raw["markers"].items()},
        tuple(raw["units"]),
        tuple(raw["currency"]),
        {k: tuple(v) for k, v in raw.get("closing", {}).items()},
        {k: tuple(v) for k, v in raw.get("opening", {}).items()},
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
        base.opening,
    )


def _positions(text: str, phrases: tuple[str, ...]) -> list[int]:
    return [a for a, _ in phrasing.spans(text, phrases, variants=False)]


def _says(word: str, token: str) -> bool:
    """Whether `token` says the meaning word `word`: the same 5-letter stem for long words,
    the word itself or an inflection of it for short ones ("fix": fixes, fixed, fixing)."""
    if len(word) >= 5:
        return token[:5] == word[:5]
    root = word[:-1] if word.endswith("e") else word
    ends = f"(?:e|es|ed|ing|s|d|{re.escape(root[-1])}ed|{re.escape(root[-1])}ing)?"
    return token == word or re.fullmatch(re.escape(root) + ends, token) is not None


def covered_segments(text: str, segments: list[str] | tuple[str, ...]) -> dict[str, int]:
    """Segment -> character position where it is first addressed (only covered segments)."""
    tokens = [(m.start(), m.group(0).lower()) for m in re.finditer(r"[A-Za-z][\w'-]*", text)]
    covered: dict[str, int] = {}
    for segment in segments:
        words = [w for w in re.findall(r"[a-z']+", segment.lower()) if w not in _STOPWORDS]
        if not words:  # only common words ("what I did"): said word for word
            hit = phrasing.literal(segment.strip()).search(text) if segment.strip() else None
            if hit:
                covered[segment] = hit.start()
            continue
        hits = [next((pos for pos, tok in tokens if _says(w, tok)), None) for w in words]
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
    last = [i for i, (a, _) in enumerate(spans) if a >= 0.6 * len(text) or i >= len(spans) - 2]
    # only the closing's own words decide which patterns can match (fewer to compile)
    tail = text[spans[last[0]][0] :] if last else ""
    closing = {k: phrasing.possible(tail, ps) for k, ps in phrases.closing.items()}
    found = []
    for i in last:
        start = spans[i][0]
        window = text[start : spans[min(i + 1, len(spans) - 1)][1]]
        parts = sum(any(phrasing.pattern(p).search(window) for p in ps) for ps in closing.values())
        own = text[start : spans[i][1]]
        said_here = any(phrasing.pattern(p).search(own) for ps in closing.values() for p in ps)
        if parts >= 2 and said_here:
            found.append(start + len(own) - len(own.lstrip()))
    return found


def order_score(first: dict[str, int]) -> float | None:
    """Share of pairs of first occurrences in canonical ORDER; None (undefined) with fewer
    than three of its markers, since two in order would score a thin answer as perfect."""
    present = [k for k in ORDER if k in first]
    if len([k for k in present if k != "solution"]) < 3:
        return None
    pairs = [(a, b) for i, a in enumerate(present) for b in present[i + 1 :]]
    return round(sum(first[a] < first[b] for a, b in pairs) / len(pairs), 4)


def marker_positions(
    text: str, phrases: Phrases, anchors: list[str]
) -> tuple[dict[str, list[int]], list[str]]:
    """Where each special token occurs (phrase lists, header separators, closing stops,
    numbers), and the token types said only without substance (`stuffed`)."""
    found = {
        name: phrasing.matches(text, plist, variants=name != "separator")
        for name, plist in phrases.markers.items()
    }
    # only the words a phrase spells out are keywords; what it matched as a wildcard is content
    every = substance.keyword_spans(text, [m for ms in found.values() for m in ms])
    sentences = _sentences(text)
    positions, stuffed = {}, []
    for name, spans in found.items():
        starts = [a for a, *_ in spans]
        if name in substance.CHECKED:
            earned = [a for a in starts if substance.earned(text, a, sentences, every)]
            stuffed += [name] if starts and not earned else []
            starts = earned
        positions[name] = starts
    # a closing label ("The short version: ...") is a stop, not a new part
    closings = {a for a, *_ in found.get("stop", [])}
    structure = [
        p
        for p in phrasing.header_separators(text) + phrasing.ordinal_separators(text)
        if p not in closings
    ]
    positions["separator"] = sorted(positions.get("separator", []) + structure)
    # an either/or question about the problem among the first sentences scopes it
    scoped = phrasing.opening_questions(text, sentences)
    positions["restatement"] = sorted(positions.get("restatement", []) + scoped)
    positions["stop"] = sorted(positions.get("stop", []) + closing_stops(text, phrases))
    # announced plans ("my first step would be to ...") route only in the opening sentences
    head = sentences[2][1] if len(sentences) > 2 else len(text)
    for name, plist in phrases.opening.items():
        # a match starts in the opening; a margin keeps one that runs past it
        plist = phrasing.possible(text[: head + 300], plist)
        said = [a for a, _ in phrasing.spans(text, plist) if a < head]
        positions[name] = sorted(set(positions.get(name, []) + said))
    if anchors:
        positions["numeric"] = [text.find(anchors[0])]
    return positions, sorted(stuffed)


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
    positions, stuffed = marker_positions(text, phrases, anchors)
    present = sorted(k for k, v in positions.items() if v)
    segs = covered_segments(text, segments) if segments else {}
    mentioned = sorted({e for e in evidence_ids if phrasing.literal(e).search(text)})
    chars = max(len(text), 1)

    def at(pos: int) -> float:  # seconds into the answer at its own pace
        return round(duration_s * len(text[:pos].split()) / max(n_words, 1), 2)

    first = {k: v[0] for k, v in positions.items() if v}
    if segs:
        first["solution"] = min(segs.values())
    opening = [first[k] for k in ("restatement", "constraint") if k in first]
    stop_pos = positions.get("stop", [])
    spans = _sentences(text)
    closing_start = spans[-2][0] if len(spans) > 1 else 0  # the last two sentences
    units = len(present) + len(anchors) + len(mentioned) + len(segs)
    return {
        "words": n_words,
        "duration_s": duration_s,
        "wpm": round(n_words / minutes, 1) if minutes == minutes else None,
        "fillers": len(filler_pos),
        "filler_rate": round(100 * len(filler_pos) / n_words, 2) if n_words else 0.0,
        "markers": present,
        "stuffed": stuffed,
        "numeric_anchors": anchors,
        "evidence_mentions": mentioned,
        "snr": round(units / minutes, 2) if minutes == minutes else None,
        "coverage": round(sum(k in present for k in CORE) / len(CORE), 4),
        "segments_covered": sorted(segs, key=segs.get),
        "segment_coverage": round(len(segs) / len(segments), 4) if segments else None,
        "latency_s": at(min(opening)) if opening else float(duration_s),
        "has_stop": any(p >= min(0.75 * chars, closing_start) for p in stop_pos),
        "order_score": order_score(first),
        "order_note": _order_note(first),
    }


def _order_note(first: dict[str, int]) -> str | None:
    """Why order_score is undefined, or None when it is defined."""
    n = len([k for k in ORDER if k in first and k != "solution"])
    return None if n >= 3 else f"undefined: {n} of the ordered markers present, 3 needed"
