"""The router: which expert mode a question wants. Light on purpose (no sklearn, no pandas).

A routing decision combines three signals as a log-linear blend, then a softmax:
  - cue rules: phrases from the built-in families (resources/cues.yaml) and the workspace's
    expert cards (the user's own `cues`), summed per mode;
  - a text classifier fitted by the train_router stage (model/fitting.py), exported as plain
    numbers (per feature its idf and a coefficient per mode); `features()` is the analyzer
    the fit used (words, pairs, character n-grams, frames), so this is sklearn's predict_proba;
  - the company card's prior: its primary_mode, then its secondary_mode.
`prepops route` loads the exported champion from a local JSON file; a cold process pays for
PyYAML and this module only, and compiles only the cues whose words the question contains.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from prepops.data.contract import MODES
from prepops.model.frames import FRAMES, question_frames

FORMAT = "prepops-router/1"
_TOKEN = re.compile(r"[a-z0-9]+(?:[/'’-][a-z0-9]+)*")
_WORD = r"[a-z0-9/'-]"
CHAR_NGRAMS = (3, 5)
DEFAULT_WEIGHTS = {"classifier": 1.0, "cues": 1.0, "prior": 1.0}
DEFAULT_PRIOR = {"primary": 0.4, "secondary": 0.25}


def tokens(text: str) -> list[str]:
    """Lowercase word tokens of `text`, curly apostrophes made straight."""
    return [t.replace("’", "'") for t in _TOKEN.findall(text.lower())]


def frames(text: str) -> list[str]:
    """The question frames `text` has (see model/frames.py), as feature names "f:<frame>"."""
    return question_frames(" ".join(tokens(text)))


def features(text: str) -> list[str]:
    """Word unigrams and bigrams, character 3-5-grams inside word boundaries, and frames.

    Character n-grams let "slower", "slowdown" and "slow" share evidence without a stemmer;
    frames let "how would you improve X" share evidence whatever X is.
    """
    return list(_features(text))


# train_router analysed each question 7 times (folds, candidate, gate; 12 of 67 s CPU at
# 30,000 questions): once with the cache, bounded so 100k rounds do not all stay alive
@lru_cache(maxsize=1 << 16)
def _features(text: str) -> tuple[str, ...]:
    toks = tokens(text)
    out = frames(text) + [f"w:{t}" for t in toks]
    out += [f"b:{a} {b}" for a, b in itertools.pairwise(toks)]
    lo, hi = CHAR_NGRAMS
    for tok in toks:
        padded = f" {tok} "
        for n in range(lo, hi + 1):
            out += [f"c:{padded[i : i + n]}" for i in range(len(padded) - n + 1)]
    return tuple(out)


@cache
def _cue_pattern(phrase: str) -> re.Pattern[str]:
    """A cue phrase as a pattern on tokenized text: a lone `*` is any one word, a trailing
    `*` any ending. Compiled on first use, so a cold `prepops route` compiles only the cues
    whose words the question contains."""
    parts = []
    for tok in phrase.lower().split():
        if tok == "*":
            parts.append(f"{_WORD}+")
            continue
        stem = tok.rstrip("*")
        body = " ".join(re.escape(t) for t in tokens(stem)) or re.escape(stem)
        parts.append(body + (f"{_WORD}*" if tok.endswith("*") else ""))
    return re.compile(rf"(?<!\S){' '.join(parts)}(?!\S)")


@cache
def _cue_key(phrase: str) -> str:
    """Letters every match of the cue contains: its longest literal token."""
    stems = [t for tok in phrase.lower().split() if tok != "*" for t in tokens(tok.rstrip("*"))]
    return max(stems, key=len, default="")


@dataclass(frozen=True)
class Cue:
    """A cue phrase that votes for a mode; `pattern` matches it in tokenized text."""

    phrase: str
    mode: str
    weight: float
    source: str  # "card" (the workspace's expert card) or "builtin"

    @property
    def pattern(self) -> re.Pattern[str]:
        """The compiled phrase (see _cue_pattern)."""
        return _cue_pattern(self.phrase)

    @classmethod
    def make(cls, phrase: str, mode: str, weight: float, source: str) -> Cue:
        """A cue: a lone `*` in the phrase is any one word, a trailing `*` any ending."""
        return cls(phrase, mode, weight, source)


def builtin_cues() -> list[Cue]:
    """The packaged cue phrases (resources/cues.yaml): strong ones weigh 2, weak ones 1."""
    import yaml  # our own packaged resource; safe_load all the same

    text = resources.files("prepops").joinpath("resources/cues.yaml").read_text("utf-8")
    families = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    weights = {"strong": 2.0, "weak": 1.0}
    return [
        Cue.make(phrase, mode, weights[strength], "builtin")
        for mode in MODES
        for strength, phrases in families.get(mode, {}).items()
        for phrase in phrases
    ]


def card_cues(cards: dict[str, list[str]], weight: float) -> list[Cue]:
    """The workspace's own cues, {mode: [phrase, ...]}, as written in its expert cards."""
    return [
        Cue.make(p, mode, weight, "card")
        for mode, phrases in cards.items()
        for p in phrases
        if p.strip()
    ]


def fired(question: str, cues: list[Cue]) -> list[Cue]:
    """Cues found in the question; one phrase counts once per mode (at its highest weight)."""
    text = " ".join(tokens(question))
    best: dict[tuple[str, str], Cue] = {}
    for cue in cues:
        if _cue_key(cue.phrase) not in text:  # cannot match: skip compiling it
            continue
        key = (cue.phrase.rstrip("*").lower(), cue.mode)
        if cue.pattern.search(text) and (key not in best or cue.weight > best[key].weight):
            best[key] = cue
    return list(best.values())


def cue_scores(hits: list[Cue]) -> dict[str, float]:
    """Summed weight of the fired cues, per mode (0 for modes without a hit)."""
    scores = dict.fromkeys(MODES, 0.0)
    for cue in hits:
        scores[cue.mode] += cue.weight
    return scores


def prior(primary: str | None, secondary: str | None, masses: dict[str, float]) -> dict[str, float]:
    """A company card's prior over modes; uniform without a card."""
    if primary not in MODES:
        return dict.fromkeys(MODES, 1 / len(MODES))
    probs = {primary: masses["primary"]}
    if secondary in MODES and secondary != primary:
        probs[secondary] = masses["secondary"]
    rest = [m for m in MODES if m not in probs]
    left = 1.0 - sum(probs.values())
    probs.update(dict.fromkeys(rest, left / len(rest)))
    return {m: probs[m] for m in MODES}


def softmax(logits: dict[str, float]) -> dict[str, float]:
    """Normalize logits per mode into probabilities (shifted by the maximum for stability)."""
    top = max(logits.values())
    exps = {m: math.exp(v - top) for m, v in logits.items()}
    total = sum(exps.values())
    return {m: v / total for m, v in exps.items()}


@dataclass(frozen=True)
class Router:
    """An exported router: classifier numbers, cue list and blend weights (one JSON file)."""

    terms: dict[str, list[float]]  # feature -> [idf, coef per mode...]
    intercept: list[float]
    sublinear_tf: bool
    cues: list[Cue]
    weights: dict[str, float]
    prior_masses: dict[str, float]
    secondary_min: float
    meta: dict[str, Any]

    # -- the classifier, as sklearn computes it: tf-idf, l2 norm, multinomial logistic --
    def classifier_proba(self, question: str) -> dict[str, float] | None:
        """Mode probabilities from the exported classifier; None for a rules-only router."""
        if not self.terms:
            return None
        counts = Counter(f for f in _features(question) if f in self.terms)
        # one pass for all modes (a pass per mode cost 5x the lookups), sums in the same order
        dots = [0.0] * len(MODES)
        squares = 0.0
        for feat, tf in counts.items():
            row = self.terms[feat]
            value = (1.0 + math.log(tf) if self.sublinear_tf else float(tf)) * row[0]
            squares += value * value
            for i in range(len(MODES)):
                dots[i] += value * row[1 + i]
        norm = math.sqrt(squares) or 1.0
        logits = {mode: self.intercept[i] + dots[i] / norm for i, mode in enumerate(MODES)}
        return softmax(logits)

    def route(
        self, question: str, primary: str | None = None, secondary: str | None = None
    ) -> dict[str, Any]:
        """Route a question: the blended mode, optional secondary, confidence, scores and cues."""
        hits = fired(question, self.cues)
        cues = cue_scores(hits)
        company = prior(primary, secondary, self.prior_masses)
        learned = self.classifier_proba(question)
        w = self.weights
        logits = {
            m: w["cues"] * cues[m]
            + w["prior"] * math.log(company[m])
            + (w["classifier"] * math.log(max(learned[m], 1e-9)) if learned else 0.0)
            for m in MODES
        }
        scores = softmax(logits)
        ranked = sorted(MODES, key=lambda m: (-scores[m], MODES.index(m)))
        second = ranked[1] if scores[ranked[1]] >= self.secondary_min else None
        return {
            "mode": ranked[0],
            "secondary": second,
            "confidence": round(scores[ranked[0]], 3),
            "scores": {m: round(scores[m], 3) for m in MODES},
            "cues": [{"phrase": c.phrase, "mode": c.mode, "source": c.source} for c in hits],
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON document `from_dict` reads back (format prepops-router/1)."""
        return {
            "format": FORMAT,
            "modes": list(MODES),
            "features": {"char_ngrams": list(CHAR_NGRAMS), "frames": list(FRAMES)},
            "sublinear_tf": self.sublinear_tf,
            "intercept": self.intercept,
            "terms": self.terms,
            "cues": [
                {"phrase": c.phrase, "mode": c.mode, "weight": c.weight, "source": c.source}
                for c in self.cues
            ],
            "weights": self.weights,
            "prior": self.prior_masses,
            "secondary_min": self.secondary_min,
            "meta": self.meta,
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Router:
        """Rebuild from `to_dict` output; ValueError if fitted for other modes or features."""
        if doc.get("format") != FORMAT or doc.get("modes") != list(MODES):
            raise ValueError(f"not a {FORMAT} model for modes {', '.join(MODES)}")
        fitted_frames = doc["features"].get("frames", list(FRAMES))  # older files: none used
        if tuple(doc["features"]["char_ngrams"]) != CHAR_NGRAMS or fitted_frames != list(FRAMES):
            raise ValueError("model was fitted with other features; retrain (dvc repro)")
        return cls(
            terms=doc["terms"],
            intercept=doc["intercept"],
            sublinear_tf=doc["sublinear_tf"],
            cues=[Cue.make(c["phrase"], c["mode"], c["weight"], c["source"]) for c in doc["cues"]],
            weights=doc["weights"],
            prior_masses=doc["prior"],
            secondary_min=doc["secondary_min"],
            meta=doc.get("meta", {}),
        )

    @classmethod
    def load(cls, path: Path) -> Router:
        """Read an exported router from its JSON file."""
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))


def rules_only(
    cards: dict[str, list[str]],
    card_weight: float = 1.5,
    weights: dict[str, float] | None = None,
    secondary_min: float = 0.15,
) -> Router:
    """A router without a fitted classifier: cue rules and company prior only."""
    return Router(
        terms={},
        intercept=[0.0] * len(MODES),
        sublinear_tf=True,
        cues=builtin_cues() + card_cues(cards, card_weight),
        weights=dict(weights or DEFAULT_WEIGHTS),
        prior_masses=dict(DEFAULT_PRIOR),
        secondary_min=secondary_min,
        meta={"kind": "rules-only"},
    )
