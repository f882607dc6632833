"""Synthetic workspaces in the contract's format: any size, reproducible from a seed, with
optional planted effects (for the monitor's power and false-alarm tests, and benchmarks).

By default nothing is planted: confidence is calibrated (each round advances with the
probability the candidate wrote down), every company draws stages, modes, rubric
dimensions, follow-ups and feedback from the same mixes, and rehearsal quality is flat.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from prepops.data.contract import FOLLOW_UP_KINDS, MODES, RUBRIC_DIMENSIONS

NAMES = [
    "Northwind",
    "Helix",
    "Lumen",
    "Quanta",
    "Orbital",
    "Vega",
    "Atlas",
    "Corvid",
    "Tessel",
    "Ember",
    "Juniper",
    "Kestrel",
]
STAGE_MIX = {
    "technical_screen": 0.25,
    "coding": 0.2,
    "system_design": 0.2,
    "behavioral": 0.2,
    "final": 0.15,
}
TAGS = [
    "too-long",
    "no-metrics",
    "jumped-to-solution",
    "unclear-tradeoffs",
    "strong-ownership",
    "good-structure",
    "vague-impact",
    "missed-edge-cases",
]
OPENERS = {  # rehearsal transcript pieces: good answers use the special tokens, weak ones ramble
    "good": [
        "So the question is how I would handle this.",
        "The constraint is a fixed budget of two engineers for one quarter.",
        "I'll assume traffic doubles next year.",
        "This is a {mode} question, so I'll take it in steps.",
        "First, the timeline. Second, the options.",
        "If that fails, we roll back within five minutes.",
        "In checkout-latency p99 fell from 900 ms to 180 ms.",
        "That's my answer.",
    ],
    "weak": [
        "Um, so, basically, I think, you know, we kind of looked at it.",
        "Uh, it was like a big project and, um, sort of hard.",
        "I mean, we did a lot of things, basically, you know.",
    ],
}


@dataclass(frozen=True)
class Plant:
    """Effects to plant; all off by default (a null workspace)."""

    overconfident: int | None = None  # index of a company whose confidence runs high
    overconfidence_gap: float = 0.7
    shifted: int | None = None  # index of a company whose wanted modes differ from the rest
    rehearsal_decline: bool = False  # rehearsal quality falls over time
    consensus_tag: str | None = None  # a tag every company says


@dataclass(frozen=True)
class Spec:
    """Size, seed, period and planted effects of a synthetic workspace."""

    rounds: int = 32
    companies: int = 4
    rehearsals: int = 24
    seed: int = 0
    start: dt.date = dt.date(2026, 1, 5)
    days: int = 70
    plant: Plant = field(default_factory=Plant)


def _card(i: int, name: str, rng: np.random.Generator) -> dict:
    primary = MODES[i % len(MODES)]
    return {
        "company": name,
        "role": "Senior Engineer",
        "status": "active",
        "primary_mode": primary,
        "secondary_mode": MODES[(i + 1) % len(MODES)],
        "value": {
            "comp_k": int(rng.integers(150, 300)),
            "excitement": int(rng.integers(1, 6)),
            "role_clarity": int(rng.integers(1, 6)),
            "process_speed": int(rng.integers(1, 6)),
        },
    }


def _question(rng: np.random.Generator, mode_p: np.ndarray, n: int) -> dict:
    wanted = MODES[rng.choice(len(MODES), p=mode_p)]
    used = wanted if rng.random() < 0.93 else MODES[rng.integers(len(MODES))]
    kinds = [FOLLOW_UP_KINDS[k] for k in rng.integers(0, len(FOLLOW_UP_KINDS), rng.integers(0, 3))]
    return {
        "text": f"Synthetic question {n} about a {wanted} problem?",
        "mode_used": used,
        "mode_wanted": wanted,
        "first_answer_s": int(rng.integers(5, 40)),
        "follow_ups": [{"kind": k} for k in kinds],
        "rescued": bool(rng.random() < 0.15),
    }


# wanted-mode mixes: every company alike, or one company's shifted toward the first mode
BASE_MODES = np.full(len(MODES), 1 / len(MODES))
SHIFTED_MODES = np.array([0.8, 0.1, 0.04, 0.03, 0.03])
STAGES, STAGE_P = list(STAGE_MIX), np.array(list(STAGE_MIX.values()))


def documents(spec: Spec) -> list[tuple[str, str, dict]]:
    """(table, relative path, mapping) for every file of the workspace."""
    # one generator drawn from in a fixed order: the same seed gives the same workspace
    rng = np.random.default_rng(spec.seed)
    names = _company_names(spec.companies)
    docs: list[tuple[str, str, dict]] = [
        ("companies", f"companies/c{i:03d}.yaml", _card(i, n, rng)) for i, n in enumerate(names)
    ]
    numbers = itertools.count(1)  # questions are numbered across rounds
    docs += [
        ("rounds", f"rounds/r{r:06d}.yaml", _round(r, spec, names, rng, numbers))
        for r in range(spec.rounds)
    ]
    docs += [
        ("rehearsals", f"rehearsals/h{j:06d}.yaml", _rehearsal(j, spec, names, rng))
        for j in range(spec.rehearsals)
    ]
    return docs + _library()


def _company_names(n: int) -> list[str]:
    """NAMES in turn, numbered once they run out ("Helix 1")."""
    return [
        NAMES[i % len(NAMES)] + ("" if i < len(NAMES) else f" {i // len(NAMES)}") for i in range(n)
    ]


def _confidence(rng: np.random.Generator, plant: Plant, c: int) -> tuple[float, float]:
    """The confidence written down and the true chance of advancing (equal unless planted)."""
    confidence = float(np.clip(rng.beta(4, 3), 0.05, 0.95))
    if plant.overconfident != c:
        return confidence, confidence
    confidence = float(np.clip(rng.beta(18, 2), 0.05, 0.98))
    return confidence, max(0.02, confidence - plant.overconfidence_gap)


def _feedback(rng: np.random.Generator, plant: Plant, c: int) -> list[str]:
    """Mostly company-specific tags (local noise), a shared tag now and then."""
    own = TAGS[(2 * c) % len(TAGS) : (2 * c) % len(TAGS) + 2]
    tags = [t for t in own if rng.random() < 0.3]
    tags += [TAGS[int(rng.integers(len(TAGS)))]] if rng.random() < 0.05 else []
    if plant.consensus_tag and rng.random() < 0.6:
        tags.append(plant.consensus_tag)
    return sorted(set(tags))


def _rubric(rng: np.random.Generator, dims: np.ndarray, outcome: str) -> dict[str, int]:
    """Scores that track the outcome, as a reading of the round should."""
    centre = 4.2 if outcome == "advanced" else 2.8
    return {str(d): int(np.clip(round(rng.normal(centre, 0.7)), 1, 5)) for d in dims}


def _round(
    r: int, spec: Spec, names: list[str], rng: np.random.Generator, numbers: Iterator[int]
) -> dict:
    """Round r, at company r mod companies; draws in the order the seed's workspace fixes."""
    c = r % spec.companies
    day = spec.start + dt.timedelta(days=int(rng.integers(0, spec.days)))
    confidence, p_advance = _confidence(rng, spec.plant, c)
    outcome = "advanced" if rng.random() < p_advance else "rejected"
    mode_p = SHIFTED_MODES if spec.plant.shifted == c else BASE_MODES
    questions = [_question(rng, mode_p, next(numbers)) for _ in range(int(rng.integers(2, 5)))]
    dims = rng.choice(RUBRIC_DIMENSIONS, size=int(rng.integers(2, 5)), replace=False)
    feedback = _feedback(rng, spec.plant, c)
    return {
        "id": f"r{r:06d}",
        "company": names[c],
        "date": day.isoformat(),
        "stage": STAGES[rng.choice(len(STAGES), p=STAGE_P)],
        "duration_min": int(rng.choice([30, 45, 60])),
        "confidence": round(confidence, 2),
        "outcome": outcome,
        "interviewer_id": f"i{int(rng.integers(0, 20))}",
        "rubric": _rubric(rng, dims, outcome),
        "signals": {
            k: int(rng.poisson(1.0))
            for k in ("clarifications", "rescues", "topic_shifts", "positive_cues")
        },
        "feedback": feedback,
        "questions": questions,
    }


def _rehearsal(j: int, spec: Spec, names: list[str], rng: np.random.Generator) -> dict:
    """Rehearsal j, spread evenly over the period; good pieces kept with the quality's chance."""
    day = spec.start + dt.timedelta(days=int(j * spec.days / max(1, spec.rehearsals)))
    mode = MODES[j % len(MODES)]
    decline = spec.plant.rehearsal_decline
    quality = 0.8 if not decline else 0.95 - 0.9 * j / max(1, spec.rehearsals)
    pieces = [s.format(mode=mode) for s in OPENERS["good"] if rng.random() < quality]
    pieces += [s for s in OPENERS["weak"] if rng.random() > quality]
    return {
        "id": f"h{j:06d}",
        "date": day.isoformat(),
        "question": f"Practice question {j}",
        "mode": mode,
        "company": names[j % spec.companies],
        "duration_s": 60 + int(rng.integers(0, 60)),
        "transcript": " ".join(pieces) or "That's my answer.",
        "self_score": int(rng.integers(1, 6)),
        "template_version": "synthetic",
    }


def _library() -> list[tuple[str, str, dict]]:
    """Backbone, one expert card per mode, one evidence packet per mode."""
    docs: list[tuple[str, str, dict]] = [
        (
            "backbone",
            "templates/backbone.yaml",
            {
                "intro": "I build and run data systems.",
                "method": ["assumptions", "constraints", "approach", "tradeoffs", "verification"],
            },
        )
    ]
    for mode in MODES:
        docs.append(
            (
                "experts",
                f"templates/experts/{mode}.yaml",
                {
                    "mode": mode,
                    "segments": ["context", "approach", "result"],
                    "cues": [f"{mode} question"],
                    "stories": [f"story-{mode}"],
                },
            )
        )
        docs.append(
            (
                "evidence",
                f"evidence/story-{mode}.yaml",
                {
                    "id": f"story-{mode}",
                    "title": f"A {mode} story",
                    "story": f"A situation about {mode}; I acted; it worked.",
                    "metric": {"name": "latency", "value": 180, "unit": "ms", "baseline": 900},
                    "failure_mode": "The first attempt failed; the canary caught it.",
                    "outcome": "Shipped.",
                    "modes": [mode],
                },
            )
        )
    return docs


def write(directory: Path, spec: Spec) -> int:
    """Write the workspace as YAML files (never into an existing folder); the file count."""
    import yaml

    from prepops.runtime.progress import track

    if directory.exists():
        raise FileExistsError(f"{directory}: already exists; synth never overwrites")
    docs = documents(spec)
    count = 0
    for _, rel, doc in track(docs, "synth: writing files", len(docs)):
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), "utf-8")
        count += 1
    return count
