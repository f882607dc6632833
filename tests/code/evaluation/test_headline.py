"""The evaluate stage's pure part on an empty workspace and on the demo (via parquet)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from prepops.data.scaffold import create
from prepops.data.workspace import load
from prepops.evaluation import headline as evaluate
from prepops.runtime.settings import Evaluate
from prepops.training import scoring as rehearse
from prepops.training.markers import default_phrases


def stored(ws: Path, tmp: Path) -> dict[str, pd.DataFrame]:
    """Tables as the stages read them: through parquet, as the ingest stage writes them."""
    out = {}
    for name, frame in load(ws).tables.items():
        path = tmp / f"{name}.parquet"
        frame.to_parquet(path, index=False)
        out[name] = pd.read_parquet(path)
    out["rehearsals"]["template_version_stamped"] = False
    return out


def test_empty_workspace_gives_insufficient_data_not_errors(tmp_path: Path) -> None:
    create(tmp_path / "ws")
    tables = stored(tmp_path / "ws", tmp_path)
    result = evaluate.evaluate(tables, Evaluate())
    assert result["calibration"]["overall"]["status"] == "insufficient data"
    assert result["calibration"]["overall"]["n"] == 0
    metrics = evaluate.headline(result, {"rounds": 0}, {})
    assert metrics["calibration"]["brier"] is None
    assert (
        rehearse.score_rehearsals(
            tables["rehearsals"], tables["experts"], tables["evidence"], default_phrases()
        )
        == []
    )


def test_demo_headline_and_flat_metrics(demo_ws: Path, tmp_path: Path) -> None:
    tables = stored(demo_ws, tmp_path)
    records = rehearse.score_rehearsals(
        tables["rehearsals"], tables["experts"], tables["evidence"], default_phrases()
    )
    by_version = rehearse.by_template_version(records)
    assert list(by_version) == ["cdd83d023b", "b965b44471"]  # in order of first use
    assert by_version["b965b44471"]["coverage"] > by_version["cdd83d023b"]["coverage"]
    assert by_version["b965b44471"]["filler_rate"] < by_version["cdd83d023b"]["filler_rate"]
    result = evaluate.evaluate(tables, Evaluate())
    metrics = evaluate.headline(result, {"rounds": len(tables["rounds"])}, by_version)
    flat = evaluate.flat(metrics)
    assert flat["data.rounds"] == len(tables["rounds"])
    assert flat["rehearsals_latest_template.n"] == by_version["b965b44471"]["n"]
    assert all(isinstance(v, float) for v in flat.values())


def test_latest_template_is_the_current_version_not_the_last_key() -> None:
    by_version = {  # as read back from JSON: keys sorted, not in order of use
        "aaa": {"n": 2, "first_date": "2026-11-01"},
        "zzz": {"n": 5, "first_date": "2026-10-01"},
    }
    assert evaluate.latest_template(by_version, "aaa")["n"] == 2
    assert evaluate.latest_template(by_version, None)["n"] == 2  # most recently first used
    assert evaluate.latest_template({}, "aaa") == {}
