"""Typed, frozen settings read from params.yaml (unknown keys are errors)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from prepops.data.contract import MARKERS


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Limits(_Frozen):
    """params.yaml `limits`: the size cap on workspace files."""

    max_file_bytes: int = Field(1_000_000, gt=0)


class Validate(_Frozen):
    """params.yaml `validate`: what bad files do, and when data warnings become errors."""

    on_error: Literal["fail", "quarantine"] = "fail"
    pending_after_days: int = Field(21, ge=1)
    # Great Expectations checks that fail the stage instead of warning, by expectation type
    expectations_as_errors: list[str] = []


class PhraseLists(_Frozen):
    """params.yaml `score.phrases`: phrases added to the packaged lists, per kind."""

    fillers: list[str] = []
    units: list[str] = []
    currency: list[str] = []
    markers: dict[str, list[str]] = {}

    @field_validator("markers")
    @classmethod
    def _known_markers(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = sorted(set(value) - set(MARKERS))
        if unknown:
            raise ValueError(f"unknown marker(s) {unknown}; markers are {', '.join(MARKERS)}")
        return value


class Score(_Frozen):
    """params.yaml `score`: how the rehearse stage scores transcripts."""

    phrases: PhraseLists = PhraseLists()  # added to the defaults in resources/phrases.yaml


class Evaluate(_Frozen):
    """params.yaml `evaluate`: thresholds and seed of the evaluate stage."""

    confidence_threshold: float = Field(0.5, ge=0, le=1)  # "high" confidence from here up
    min_n: int = Field(5, ge=2)  # below this a figure says "insufficient data"
    strong_rubric: float = Field(4.0, ge=1, le=5)  # mean rubric of a "strong" round
    seed: int = 0  # bootstrap intervals


class RouterWeights(_Frozen):
    """params.yaml `router.weights`: how much each signal counts in the routing blend."""

    classifier: float = Field(1.0, ge=0)  # the learned text classifier (log-probability)
    cues: float = Field(1.0, ge=0)  # cue phrases that fired (summed weights)
    prior: float = Field(1.0, ge=0)  # the company card's primary/secondary mode


class Router(_Frozen):
    """params.yaml `router`: how train_router fits, cross-validates and gates the router."""

    C: float = Field(4.0, gt=0)  # inverse regularization of the logistic regression
    question_weight: float = Field(3.0, gt=0)  # a logged question counts this many cue phrases
    card_cue_weight: float = Field(1.5, ge=0)  # your cards' cues; built-in: 2 strong, 1 weak
    weights: RouterWeights = RouterWeights()
    secondary_min: float = Field(0.15, ge=0, le=1)  # name a secondary mode from this score up
    cv_folds: int = Field(5, ge=2)
    gate_fraction: float = Field(0.3, gt=0, lt=1)  # questions held out for the release gate
    seed: int = 0
    # ablations, for benchmarks/router_accuracy.py: leave on
    use_classifier: bool = True
    use_builtin_cues: bool = True
    use_seed_questions: bool = True


class Monitor(_Frozen):
    """params.yaml `monitor`: significance levels and tolerances of the monitor checks."""

    min_n: int = Field(5, ge=2)  # below this a check is not run: insufficient_data
    alpha: float = Field(0.05, gt=0, lt=1)  # medium: Holm over every test of the run
    alpha_high: float = Field(0.01, gt=0, lt=1)  # high: the same Holm p, and a large effect
    consensus_companies: int = Field(3, ge=2)  # a tag heard at this many companies is tested
    stray_tag_ok: float = Field(0.05, ge=0, lt=1)  # a local tag's share of other companies' rounds
    misroute_ok: float = Field(0.10, ge=0, lt=1)  # tolerated share of misrouted questions
    strong_reject_ok: float = Field(0.25, ge=0, lt=1)  # tolerated rejections of strong rounds
    seed: int = 0


class Plan(_Frozen):
    """params.yaml `plan`: next week's hours budget, sampling seed and plan date."""

    hours: float = 10.0  # next week's preparation budget, in half-hour blocks
    seed: int = 0  # Thompson sampling draws
    as_of: dt.date | None = None  # plan date, YYYY-MM-DD; default: the day the stage runs

    @field_validator("hours")
    @classmethod
    def _half_hours(cls, value: float) -> float:
        # The budget is split in blocks of `step` hours (bandit.allocate's step), so the
        # loops' hours add up to it exactly, in plan.md and allocation.json alike. A budget
        # that is no whole number of blocks (10.3, 0.2) is refused here, naming plan.hours,
        # rather than silently rounded by the allocation; fractions of a block are not handed
        # out instead, since nobody schedules 0.3 h of prep and float sums would drift.
        step = 0.5
        if not (value >= step and (value / step).is_integer()):
            raise ValueError(
                f"must be at least {step} and a multiple of {step} hours "
                f"(half-hour blocks), e.g. 10 or 7.5; got {value}"
            )
        return value


class Settings(_Frozen):
    """The whole of params.yaml; a missing section takes its defaults."""

    workspace: str = "data"
    # The day the week's run is about: pending outcomes age and the plan is dated from it.
    # None: the day each stage runs. The demo pins its week so its outputs never change.
    as_of: dt.date | None = None
    limits: Limits = Limits()
    validate_: Validate = Field(Validate(), alias="validate")
    score: Score = Score()
    evaluate: Evaluate = Evaluate()
    router: Router = Router()
    monitor: Monitor = Monitor()
    plan: Plan = Plan()

    def plan_as_of(self, day: dt.date | None) -> Plan:
        """The plan settings with `as_of` filled from the run's day (plan.as_of wins)."""
        return self.plan if self.plan.as_of else self.plan.model_copy(update={"as_of": day})


class SettingsError(ValueError):
    """params.yaml is unreadable or breaks a rule; the message names the key."""


def load_settings(path: Path) -> Settings:
    """Read params.yaml (all defaults if absent); SettingsError names each bad key."""
    if not path.is_file():
        return Settings()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: a date like 2026-13-01
        raise SettingsError(f"{path.name}: (file): malformed YAML: {exc}") from None
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        lines = [
            f"{path.name}: {'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
            for err in exc.errors()
        ]
        raise SettingsError("\n".join(lines)) from None
