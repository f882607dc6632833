"""The data contract's enumerations and patterns (docs/contract.md in this repository, v1).

Field names and enum values here are fixed by the contract: never rename them.
"""

from __future__ import annotations

import re

CONTRACT_VERSION = "1"

MODES = ("debugging", "architecture", "leadership", "product", "research")
STAGES = (
    "recruiter_screen",
    "technical_screen",
    "coding",
    "system_design",
    "behavioral",
    "leadership",
    "incident",
    "product",
    "research",
    "final",
    "other",
)
OUTCOMES = ("advanced", "offer", "downleveled", "rejected", "pending", "withdrawn")
FOLLOW_UP_KINDS = ("exploratory", "corrective", "clarifying", "adversarial")
MARKERS = (
    "role",
    "restatement",
    "constraint",
    "assumption",
    "routing",
    "separator",
    "robustness",
    "numeric",
    "stop",
)
RUBRIC_DIMENSIONS = (
    "correctness",
    "depth",
    "clarity",
    "tradeoffs",
    "operability",
    "ownership",
    "leadership",
    "impact",
)
SIGNALS = ("clarifications", "rescues", "topic_shifts", "positive_cues")
COMPANY_STATUSES = ("active", "paused", "closed", "offer")
VALUE_SCALES = ("excitement", "role_clarity", "process_speed")

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{2,79}")
TAG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# Fields whose values never leave the workspace: not in tables, logs, reports or errors.
SENSITIVE_FIELDS = frozenset({"interviewer", "notes"})

# Workspace layout: kind -> glob relative to the workspace root.
LAYOUT = {
    "rounds": "rounds/*.yaml",
    "rehearsals": "rehearsals/*.yaml",
    "evidence": "evidence/*.yaml",
    "companies": "companies/*.yaml",
    "backbone": "templates/backbone.yaml",
    "experts": "templates/experts/*.yaml",
}

BACKBONE_MAX_WORDS = 180


def normalize_tag(tag: str) -> str:
    """Feedback tags: case and spaces normalized to lowercase kebab-case."""
    return re.sub(r"[\s_]+", "-", tag.strip().lower())
