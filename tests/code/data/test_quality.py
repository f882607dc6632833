"""The validate stage's recheck of the stored tables: table-level failures are reported too.

Each case writes the demo tables with ingest's own writer, alters one stored table, writes
it back as parquet and reads the feature store again, as the validate stage does.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pandera.errors
import pytest

from prepops.data import ingest, quality
from prepops.data.rules import problems_from
from prepops.data.schemas import SCHEMAS
from prepops.data.workspace import load
from prepops.runtime.paths import Paths
from prepops.runtime.storage import write_parquet
from tests.conftest import DEMO


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    """The demo workspace ingested into a feature store, as the ingest stage writes it."""
    paths = Paths(tmp_path_factory.mktemp("root"))
    ws = load(DEMO)
    assert ws.ok
    rehearsals, warnings = ingest.stamp_rehearsals(ws.tables["rehearsals"], "t1")
    ingest.write_tables({**ws.tables, "rehearsals": rehearsals}, paths)
    ingest.write_manifest(ingest.manifest(ws, {}, warnings, "data"), paths)
    return paths


def rechecked(
    store: Paths, table: str, change: Callable[[pd.DataFrame], pd.DataFrame]
) -> list[str]:
    """Recheck the store with `table` altered and written back as parquet (then restored)."""
    original = pd.read_parquet(store.table(table))
    write_parquet(store.table(table), change(original.copy()))
    try:
        tables, _ = ingest.read_tables(store)
        return [str(p) for p in quality.recheck(tables)]
    finally:
        write_parquet(store.table(table), original)


def test_a_clean_round_trip_has_no_problem(store: Paths) -> None:
    assert rechecked(store, "rounds", lambda f: f) == []


@pytest.mark.parametrize(
    ("table", "change", "line"),
    [
        (
            "rounds",
            lambda f: f.drop(columns=["confidence"]),
            "reports/tables/rounds.parquet: confidence: column missing",
        ),
        (
            "rounds",
            lambda f: f.assign(mood="fine"),
            "reports/tables/rounds.parquet: mood: column not in the contract",
        ),
        (
            "rounds",
            lambda f: f.assign(confidence=(f["confidence"] >= 0.5).astype("int64")),
            "reports/tables/rounds.parquet: confidence: dtype int64, expected float64",
        ),
        (
            "rounds",
            lambda f: f.assign(duration_min=f["duration_min"].astype("float64")),
            "reports/tables/rounds.parquet: duration_min: dtype float64, expected Int64",
        ),
        (
            "rounds",
            lambda f: f.assign(date=f["date"].dt.strftime("%Y-%m-%d")),
            "reports/tables/rounds.parquet: date: dtype str, expected datetime64",
        ),
        (
            "rehearsals",
            lambda f: f.drop(columns=["template_version_stamped"]),
            "reports/tables/rehearsals.parquet: template_version_stamped: column missing",
        ),
    ],
    ids=["missing", "extra", "int-for-float", "float-for-int", "date-as-text", "missing-stamp"],
)
def test_a_table_level_failure_is_one_problem_naming_table_column_and_rule(
    store: Paths, table: str, change: Callable[[pd.DataFrame], pd.DataFrame], line: str
) -> None:
    assert rechecked(store, table, change) == [line]


def test_cell_problems_still_name_the_yaml_file(store: Paths) -> None:
    first = pd.read_parquet(store.table("rounds"))["file"].iloc[0]
    lines = rechecked(store, "rounds", lambda f: f.assign(confidence=[1.5] + [0.5] * (len(f) - 1)))
    assert lines == [f"{first}: confidence: must be <= 1 (got 1.5)"]


def test_without_a_source_a_table_level_failure_names_the_table() -> None:
    schema = SCHEMAS["follow_ups"].to_schema()
    frame = pd.DataFrame({"file": ["rounds/a.yaml"], "round_id": ["a"], "q_index": [0]})
    with pytest.raises(pandera.errors.SchemaErrors) as exc:
        schema.validate(frame, lazy=True)
    lines = {str(p) for p in problems_from(exc.value.failure_cases, frame, schema, "follow_ups")}
    assert lines == {
        "table follow_ups: f_index: column missing",
        "table follow_ups: kind: column missing",
        "table follow_ups: text: column missing",
    }


def test_stored_as_is_the_feature_store_path() -> None:
    assert (
        quality.stored_as("rounds")
        == Paths(Path("/x")).table("rounds").relative_to(Path("/x")).as_posix()
    )
