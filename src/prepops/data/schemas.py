"""pandera models for the workspace tables: every per-field rule of the contract.

Column names are the contract's field names; nested maps are flattened with a dot
(`rubric.correctness`), list-valued fields are object columns holding Python lists.
Every model is strict (unknown columns are errors) and coerces types.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pandera.pandas as pa
from pandera import extensions
from pandera.typing import Series

from prepops.data.contract import (
    BACKBONE_MAX_WORDS,
    COMPANY_STATUSES,
    FOLLOW_UP_KINDS,
    MARKERS,
    MODES,
    OUTCOMES,
    RUBRIC_DIMENSIONS,
    SLUG,
    STAGES,
    TAG,
)

Text = Series[pd.StringDtype]
OptText = Series[pd.StringDtype]
Int = Series[pd.Int64Dtype]
Float = Series[float]
Bool = Series[pd.BooleanDtype]
Items = Series[object]


# Custom checks are registered once so models can name them in `pa.Field(...)`. The
# check name and statistics appear in pandera's failure cases; rules.py turns them
# into the sentences users read.


@extensions.register_check_method(statistics=["pattern"], check_type="element_wise")
def matches(value: object, *, pattern: str) -> bool:
    """Check: the value is text that fully matches `pattern`."""
    return isinstance(value, str) and re.fullmatch(pattern, value) is not None


@extensions.register_check_method(statistics=["fmt"], check_type="element_wise")
def iso_date(value: object, *, fmt: str) -> bool:
    """Check: the value is a real calendar date written YYYY-MM-DD (`fmt` names it in errors)."""
    try:
        return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value))) and bool(
            dt.date.fromisoformat(str(value))
        )
    except ValueError:
        return False


@extensions.register_check_method(statistics=["today"], check_type="element_wise")
def not_future(value: object, *, today: str) -> bool:
    """Check: the date is not after `today` ('today': now); iso_date reports unreadable dates."""
    limit = dt.date.today() if today == "today" else dt.date.fromisoformat(today)
    try:
        return dt.date.fromisoformat(str(value)) <= limit
    except ValueError:
        return True  # iso_date reports it


@extensions.register_check_method(statistics=["year"], check_type="element_wise")
def not_after_year(value: object, *, year: str) -> bool:
    """Check: a year not after `year` ('this': the current year, read when the check runs,
    not when the module was imported: a long-lived runner crosses New Year)."""
    limit = dt.date.today().year if year == "this" else int(year)
    try:
        return int(value) <= limit
    except (TypeError, ValueError):
        return True  # the dtype check reports it


@extensions.register_check_method(statistics=["allowed"], check_type="element_wise")
def each_in(value: object, *, allowed: tuple[str, ...]) -> bool:
    """Check: the value is a list whose every item is one of `allowed`."""
    return isinstance(value, list) and all(isinstance(x, str) and x in allowed for x in value)


@extensions.register_check_method(statistics=["pattern"], check_type="element_wise")
def each_matches(value: object, *, pattern: str) -> bool:
    """Check: the value is a list whose every item is text fully matching `pattern`."""
    return isinstance(value, list) and all(
        isinstance(x, str) and re.fullmatch(pattern, x) is not None for x in value
    )


@extensions.register_check_method(statistics=["kind"], check_type="element_wise")
def non_empty(value: object, *, kind: str) -> bool:
    """Check, by `kind`: a non-empty list ('list'), non-blank texts ('texts'), or non-blank text."""
    if kind == "list":
        return isinstance(value, list) and len(value) > 0
    if kind == "texts":
        return isinstance(value, list) and all(isinstance(x, str) and x.strip() for x in value)
    return bool(str(value).strip())


@extensions.register_check_method(statistics=["max_words"], check_type="element_wise")
def word_limit(value: object, *, max_words: int) -> bool:
    """Check: the text has at most `max_words` whitespace-separated words."""
    return len(str(value).split()) <= max_words


SCORE = {"ge": 1, "le": 5}
TEXT = {"non_empty": "text"}
TEXTS = {"non_empty": "texts"}
SLUG_RULE = {"matches": SLUG.pattern}
DATE = {"iso_date": "YYYY-MM-DD", "not_future": "today"}


class Table(pa.DataFrameModel):
    """Base: every row remembers the file it came from."""

    file: Text

    class Config:
        """pandera options shared by every table: unknown columns are errors, types coerced."""

        strict = True
        coerce = True


class Rounds(Table):
    """One row per interview round (rounds/*.yaml); rubric and signals flattened with a dot."""

    id: Text = pa.Field(unique=True, **SLUG_RULE)
    company: Text = pa.Field(**TEXT)
    date: Text = pa.Field(**DATE)
    stage: Text = pa.Field(isin=STAGES)
    duration_min: Int = pa.Field(nullable=True, ge=5, le=600)
    confidence: Float = pa.Field(ge=0, le=1)
    outcome: Text = pa.Field(isin=OUTCOMES)
    interviewer_id: OptText = pa.Field(nullable=True, str_length={"max_value": 40})
    ai_assist: Bool = pa.Field(nullable=True)
    feedback: Items = pa.Field(nullable=True, each_matches=TAG.pattern)
    rubric_correctness: Int = pa.Field(nullable=True, alias="rubric.correctness", **SCORE)
    rubric_depth: Int = pa.Field(nullable=True, alias="rubric.depth", **SCORE)
    rubric_clarity: Int = pa.Field(nullable=True, alias="rubric.clarity", **SCORE)
    rubric_tradeoffs: Int = pa.Field(nullable=True, alias="rubric.tradeoffs", **SCORE)
    rubric_operability: Int = pa.Field(nullable=True, alias="rubric.operability", **SCORE)
    rubric_ownership: Int = pa.Field(nullable=True, alias="rubric.ownership", **SCORE)
    rubric_leadership: Int = pa.Field(nullable=True, alias="rubric.leadership", **SCORE)
    rubric_impact: Int = pa.Field(nullable=True, alias="rubric.impact", **SCORE)
    signals_clarifications: Int = pa.Field(nullable=True, alias="signals.clarifications", ge=0)
    signals_rescues: Int = pa.Field(nullable=True, alias="signals.rescues", ge=0)
    signals_topic_shifts: Int = pa.Field(nullable=True, alias="signals.topic_shifts", ge=0)
    signals_positive_cues: Int = pa.Field(nullable=True, alias="signals.positive_cues", ge=0)


class Questions(Table):
    """One row per question of a round (its `questions` list)."""

    round_id: Text
    q_index: Int
    text: Text = pa.Field(**TEXT)
    mode_used: Text = pa.Field(isin=MODES)
    mode_wanted: OptText = pa.Field(nullable=True, isin=MODES)
    first_answer_s: Float = pa.Field(nullable=True, ge=0)
    evidence: Items = pa.Field(nullable=True, each_matches=SLUG.pattern)
    markers: Items = pa.Field(nullable=True, each_in={"allowed": MARKERS})
    rescued: Bool = pa.Field(nullable=True)


class FollowUps(Table):
    """One row per follow-up to a question (`questions[i].follow_ups`)."""

    round_id: Text
    q_index: Int
    f_index: Int
    kind: Text = pa.Field(isin=FOLLOW_UP_KINDS)
    text: OptText = pa.Field(nullable=True)


class Rehearsals(Table):
    """One row per rehearsal (rehearsals/*.yaml): question, mode and transcript."""

    id: Text = pa.Field(unique=True, **SLUG_RULE)
    date: Text = pa.Field(**DATE)
    question: Text = pa.Field(**TEXT)
    mode: Text = pa.Field(isin=MODES)
    company: OptText = pa.Field(nullable=True)
    duration_s: Float = pa.Field(gt=0)
    transcript: Text = pa.Field(**TEXT)
    self_score: Int = pa.Field(nullable=True, **SCORE)
    template_version: OptText = pa.Field(nullable=True)


class Evidence(Table):
    """One row per evidence packet (evidence/*.yaml): a story, its metric and failure mode."""

    id: Text = pa.Field(unique=True, **SLUG_RULE)
    title: Text = pa.Field(**TEXT)
    story: Text = pa.Field(**TEXT)
    metric_name: Text = pa.Field(alias="metric.name", **TEXT)
    metric_value: Float = pa.Field(alias="metric.value")
    metric_unit: Text = pa.Field(alias="metric.unit", **TEXT)
    metric_baseline: Float = pa.Field(alias="metric.baseline", nullable=True)
    failure_mode: Text = pa.Field(**TEXT)
    outcome: Text = pa.Field(**TEXT)
    modes: Items = pa.Field(non_empty="list", each_in={"allowed": MODES})
    keywords: Items = pa.Field(nullable=True, **TEXTS)
    year: Int = pa.Field(nullable=True, ge=1970, not_after_year="this")


class Companies(Table):
    """One row per company card (companies/*.yaml): role, status, modes and value scores."""

    company: Text = pa.Field(unique=True, **TEXT)
    role: Text = pa.Field(**TEXT)
    level: OptText = pa.Field(nullable=True)
    status: Text = pa.Field(isin=COMPANY_STATUSES)
    primary_mode: Text = pa.Field(isin=MODES)
    secondary_mode: OptText = pa.Field(nullable=True, isin=MODES)
    rewards: Items = pa.Field(nullable=True, each_in={"allowed": RUBRIC_DIMENSIONS})
    focus: Items = pa.Field(nullable=True, each_in={"allowed": STAGES})
    stories: Items = pa.Field(nullable=True, each_matches=SLUG.pattern)
    value_comp_k: Int = pa.Field(nullable=True, alias="value.comp_k", ge=0)
    value_excitement: Int = pa.Field(nullable=True, alias="value.excitement", **SCORE)
    value_role_clarity: Int = pa.Field(nullable=True, alias="value.role_clarity", **SCORE)
    value_process_speed: Int = pa.Field(nullable=True, alias="value.process_speed", **SCORE)
    next_round: OptText = pa.Field(nullable=True, iso_date="YYYY-MM-DD")


class Experts(Table):
    """One row per expert card (templates/experts/<mode>.yaml): segments, cues, keywords."""

    mode: Text = pa.Field(unique=True, isin=MODES)
    segments: Items = pa.Field(non_empty="list", each_matches=r"(?s).*\S.*")
    cues: Items = pa.Field(non_empty="list", each_matches=r"(?s).*\S.*")
    keywords: Items = pa.Field(nullable=True, **TEXTS)
    stories: Items = pa.Field(nullable=True, each_matches=SLUG.pattern)
    closing: OptText = pa.Field(nullable=True)


class Backbone(Table):
    """The answer backbone (templates/backbone.yaml): intro, method and principles."""

    intro: Text = pa.Field(word_limit=BACKBONE_MAX_WORDS, **TEXT)
    method: Items = pa.Field(non_empty="list", each_matches=r"(?s).*\S.*")
    principles: Items = pa.Field(nullable=True, **TEXTS)


SCHEMAS: dict[str, type[Table]] = {
    "rounds": Rounds,
    "questions": Questions,
    "follow_ups": FollowUps,
    "rehearsals": Rehearsals,
    "evidence": Evidence,
    "companies": Companies,
    "experts": Experts,
    "backbone": Backbone,
}

# Columns the tabulator fills in (not contract fields): never reported as unknown.
KEYS = {"file", "round_id", "q_index", "f_index"}
