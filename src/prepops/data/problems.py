"""One validation problem, formatted as `<file>: <field>: <rule> (got <value>)`."""

from __future__ import annotations

from dataclasses import dataclass

from prepops.data.contract import SENSITIVE_FIELDS

_MAX_GOT = 80
REDACTED = "<redacted>"


@dataclass(frozen=True, order=True)
class Problem:
    """One broken rule: the file, the field path, the rule and the offending value shown."""

    file: str
    field: str
    rule: str
    got: str | None = None

    def __str__(self) -> str:
        text = f"{self.file}: {self.field}: {self.rule}"
        return text if self.got is None else f"{text} (got {self.got})"


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
