"""Cross-file rules of the contract, checked on validated tables.

Per-field rules live in schemas.py; these need more than one file: references that
must exist, one card per mode named after it, a backbone, and "facts never change".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import pandas as pd

from prepops.data.contract import MODES
from prepops.data.problems import Problem, did_you_mean, show


def _items(frame: pd.DataFrame, column: str) -> Iterator[tuple[str, str, int, str]]:
    """(file, row field prefix, item index, item) for every item of a list column."""
    if frame.empty or column not in frame:
        return
    for row in frame.itertuples(index=False):
        values = getattr(row, column)
        if isinstance(values, list | tuple) or hasattr(values, "tolist"):
            prefix = f"questions[{row.q_index}]." if hasattr(row, "q_index") else ""
            for i, item in enumerate(list(values)):
                if isinstance(item, str):  # anything else is a type problem the schema reports
                    yield row.file, prefix, i, item


def references(
    tables: dict[str, pd.DataFrame], companies: set[str], evidence: set[str]
) -> list[Problem]:
    """References must exist. The sets hold every name written in a file, valid or not,
    so one broken evidence file is one problem, not one per reference to it."""
    found: list[Problem] = []
    for table in ("rounds", "rehearsals"):
        frame = tables[table]
        for row in frame.itertuples(index=False):
            if isinstance(row.company, str) and row.company not in companies:
                rule = "must match the `company` of a card in companies/"
                rule += did_you_mean(row.company, companies)
                found.append(Problem(row.file, "company", rule, show(row.company)))
    for table, column in (
        ("questions", "evidence"),
        ("companies", "stories"),
        ("experts", "stories"),
    ):
        for file, prefix, i, item in _items(tables[table], column):
            if item not in evidence:
                rule = "evidence id does not exist in evidence/" + did_you_mean(item, evidence)
                found.append(Problem(file, f"{prefix}{column}[{i}]", rule, show(item)))
    return found


def cards(tables: dict[str, pd.DataFrame], files: Iterable[str]) -> list[Problem]:
    """Each expert card is named after its mode, every mode has one, and a backbone exists."""
    found: list[Problem] = []
    experts = tables["experts"]
    for row in experts.itertuples(index=False):
        stem = row.file.rsplit("/", 1)[-1].removesuffix(".yaml")
        if stem != row.mode:
            rule = f"file name must be the mode: templates/experts/{row.mode}.yaml"
            found.append(Problem(row.file, "mode", rule, show(row.mode)))
    present = set(experts["mode"])
    for mode in MODES:
        if mode not in present and f"templates/experts/{mode}.yaml" not in files:
            rule = "a workspace needs exactly one expert card per mode"
            found.append(Problem(f"templates/experts/{mode}.yaml", "(file)", f"missing: {rule}"))
    if "templates/backbone.yaml" not in files:
        found.append(
            Problem("templates/backbone.yaml", "(file)", "missing: a workspace needs a backbone")
        )
    return found


def _numbers_with_unit(text: str, unit: str) -> list[float]:
    number = r"(\d[\d,]*(?:\.\d+)?)"
    unit_rx = re.escape(unit.strip())
    tail = r"(?![A-Za-z])" if unit.strip()[-1:].isalnum() else ""
    patterns = [rf"(?<![\d.]){number}\s*{unit_rx}{tail}"]
    if not unit.strip()[:1].isalnum():  # currency-like units also come first: $120
        patterns.append(rf"{unit_rx}\s*{number}")
    return [float(m.replace(",", "")) for p in patterns for m in re.findall(p, text)]


def _template_strings(tables: dict[str, pd.DataFrame]) -> Iterator[tuple[str, str, str]]:
    """(file, field, text) for every string in the backbone and the expert cards."""
    for table, columns in (
        ("backbone", ("intro", "method", "principles")),
        ("experts", ("segments", "cues", "keywords", "closing")),
    ):
        for row in tables[table].to_dict("records"):
            for column in columns:
                value = row.get(column)
                if isinstance(value, str):
                    yield row["file"], column, value
                elif value is not None and not isinstance(value, float):
                    for i, item in enumerate(list(value)):
                        yield row["file"], f"{column}[{i}]", str(item)


def facts(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    """Facts never change, only emphasis does: a metric quoted with its evidence id must match."""
    found: list[Problem] = []
    packets = tables["evidence"].to_dict("records")
    for file, field, text in _template_strings(tables):
        for packet in packets:
            if not re.search(rf"(?<![a-z0-9-]){re.escape(packet['id'])}(?![a-z0-9-])", text):
                continue
            allowed = {packet["metric.value"], packet.get("metric.baseline")}
            for number in _numbers_with_unit(text, packet["metric.unit"]):
                if not any(a is not None and abs(number - a) < 1e-9 for a in allowed):
                    unit = packet["metric.unit"]
                    rule = (
                        f"facts never change: {packet['id']} says {packet['metric.name']} is "
                        f"{packet['metric.value']:g} {unit}"
                        + (
                            f" (baseline {packet['metric.baseline']:g})"
                            if pd.notna(packet.get("metric.baseline"))
                            else ""
                        )
                    )
                    found.append(Problem(file, field, rule, f"{number:g} {unit}"))
    return found
