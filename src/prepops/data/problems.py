"""One validation problem, formatted as `<file>[:<line>]: <field>: <rule> (got <value>)`."""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from prepops.data.contract import SENSITIVE_FIELDS

_MAX_GOT = 80
REDACTED = "<redacted>"


@dataclass(frozen=True, order=True)
class Problem:
    """One broken rule: the file, the field path, the rule, the offending value shown and,
    when the YAML gives one, the line the field is written on (not part of equality: the
    same rule broken at the same field is one problem)."""

    file: str
    field: str
    rule: str
    got: str | None = None
    line: int | None = dataclasses.field(default=None, compare=False)

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        text = f"{where}: {self.field}: {self.rule}"
        return text if self.got is None else f"{text} (got {self.got})"


def locate(field: str, lines: Mapping[str, int]) -> int | None:
    """The line of a field path (`questions[2].follow_ups[0].kind`), else of the nearest
    enclosing field written in the file (a missing field: its question's line); else None."""
    path = field
    while path:
        if path in lines:
            return lines[path]
        cut = max(path.rfind("."), path.rfind("["))
        if cut <= 0:
            return None
        path = path[:cut]
    return None


def placed(problems: Iterable[Problem], lines: Mapping[str, Mapping[str, int]]) -> list[Problem]:
    """The problems with the line of their field, from each file's line map (see yamlsafe)."""
    out = []
    for problem in problems:
        found = None if problem.line else locate(problem.field, lines.get(problem.file, {}))
        out.append(problem if found is None else dataclasses.replace(problem, line=found))
    return out


def show(value: object, field: str = "") -> str:
    """A short, single-line rendering of an offending value; sensitive fields redacted."""
    if field.split(".")[-1] in SENSITIVE_FIELDS:
        return REDACTED
    if isinstance(value, str):
        text = repr(value)
    elif isinstance(value, dict):
        text = "a map"
    elif isinstance(value, list | tuple):
        text = f"a list of {len(value)}" if len(value) > 3 else repr(list(value))
    else:
        text = repr(value)
    text = text.replace("\n", "\\n").replace("\r", "\\r")
    return text if len(text) <= _MAX_GOT else text[: _MAX_GOT - 3] + "..."


def closest(value: object, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The choice `value` most likely meant: same letters, a prefix, then difflib; else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    wanted = value.strip().casefold()
    folded: dict[str, str] = {}
    for choice in sorted(c for c in choices if isinstance(c, str)):
        folded.setdefault(choice.casefold(), choice)
    if wanted in folded:
        return folded[wanted]
    prefixed = [f for f in folded if len(wanted) >= 3 and f.startswith(wanted)]
    if prefixed:  # `corvid` for `Corvid Logistics`; the shortest when several start so
        return folded[min(prefixed, key=len)]
    close = difflib.get_close_matches(wanted, list(folded), n=1, cutoff=cutoff)
    return folded[close[0]] if close else None


def did_you_mean(value: object, choices: Iterable[str], cutoff: float = 0.6) -> str:
    """`; did you mean '<choice>'?` for the closest choice, or "" when none is close."""
    found = closest(value, choices, cutoff)
    return "" if found is None or found == value else f"; did you mean '{found}'?"
