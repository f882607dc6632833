"""Monitoring on the demo and on small synthetic workspaces: shape, honesty at small n,
consensus vs local noise."""

from __future__ import annotations

import json

import pytest

from prepops.data import synth, workspace
from prepops.monitoring.monitor import monitor
from prepops.monitoring.shift import drift_table
from prepops.runtime.settings import Monitor
from prepops.training import scoring as rehearse
from prepops.training.markers import default_phrases
from tests.conftest import DEMO

KINDS = {
    "overconfidence",
    "underconfidence",
    "consensus_feedback",
    "local_noise",
    "distribution_shift",
    "misrouting",
    "interference",
    "forgetting",
    "temporal_drift",
    "threshold_mismatch",
    "insufficient_data",
}


def run(docs, seed: int = 0) -> dict:
    ws = workspace.from_documents(docs)
    assert not ws.problems, ws.problems[:3]
    t = ws.tables
    t["rehearsals"]["template_version_stamped"] = False
    records = rehearse.score_rehearsals(
        t["rehearsals"], t["experts"], t["evidence"], default_phrases()
    )
    return monitor(t, records, Monitor(seed=seed), 4.0)


@pytest.fixture(scope="module")
def demo() -> dict:
    t = workspace.load(DEMO).tables
    t["rehearsals"]["template_version_stamped"] = False
    records = rehearse.score_rehearsals(
        t["rehearsals"], t["experts"], t["evidence"], default_phrases()
    )
    return monitor(t, records, Monitor(), 4.0)


def test_demo_findings_shape(demo: dict) -> None:
    ids = [f["id"] for f in demo["findings"]]
    assert len(ids) == len(set(ids))
    for f in demo["findings"]:
        assert f["kind"] in KINDS and f["severity"] in {"high", "medium", "watch", "info"}
        assert {"n", "statistic", "p_value", "interval", "round_ids"} <= set(f["evidence"])
    json.dumps(demo)  # serializable as findings.json


def test_demo_finds_what_was_planted_in_it(demo: dict) -> None:
    by_id = {f["id"]: f for f in demo["findings"]}
    helix = by_id["overconfidence-helix-robotics"]
    assert helix["severity"] in {"medium", "high"} and helix["evidence"]["n"] == 7
    assert by_id["consensus_feedback-too-long"]["evidence"]["statistic"]["companies"] >= 3
    assert by_id["local_noise-no-metrics"]["severity"] == "info"


def test_small_groups_are_insufficient_data_never_high(demo: dict) -> None:
    small = [f for f in demo["findings"] if f["kind"] == "insufficient_data"]
    assert any("Quanta Labs" in f["subject"] for f in small)  # 3 known outcomes < 5
    for f in demo["findings"]:
        if f["severity"] == "high":
            assert f["evidence"]["n"] >= 5
    assert not any(
        f["kind"] == "overconfidence" and f["company"] == "Quanta Labs" for f in demo["findings"]
    )


def test_consensus_and_local_noise_are_told_apart() -> None:
    docs = synth.documents(synth.Spec(seed=3, plant=synth.Plant(consensus_tag="no-metrics")))
    kinds = {(f["kind"], f["subject"]) for f in run(docs, 3)["findings"]}
    assert ("consensus_feedback", "no-metrics") in kinds
    assert not any(k == "consensus_feedback" and s != "no-metrics" for k, s in kinds)


def test_drift_heatmap_has_every_company(demo: dict) -> None:
    companies = {row.company for row in workspace.load(DEMO).tables["companies"].itertuples()}
    assert set(demo["drift"]) == companies
    cells = [c for feats in demo["drift"].values() for c in feats.values()]
    assert all("n" in c and "js_distance" in c for c in cells)


def test_drift_table_has_one_row_per_heatmap_cell(demo: dict) -> None:
    table = drift_table(demo["drift"])
    assert list(table.columns) == ["company", "feature", "js_distance", "n"]
    assert len(table) == sum(len(feats) for feats in demo["drift"].values())
    assert list(drift_table({}).columns) == ["company", "feature", "js_distance", "n"]


def test_synthetic_workspace_written_as_files_is_valid(tmp_path) -> None:
    n = synth.write(tmp_path / "ws", synth.Spec(rounds=12, companies=3, rehearsals=6, seed=1))
    ws = workspace.load(tmp_path / "ws")
    assert ws.problems == [] and len(ws.files) == n
    with pytest.raises(FileExistsError):
        synth.write(tmp_path / "ws", synth.Spec())


def test_demo_interference_rests_on_days_not_on_one_stacked_day(demo: dict) -> None:
    (f,) = [f for f in demo["findings"] if f["kind"] == "interference"]
    assert f["evidence"]["statistic"]["stacked_days"] >= 2
    assert (
        f["evidence"]["n"]
        < f["evidence"]["statistic"]["stacked"] + f["evidence"]["statistic"]["alone"]
    )  # n counts days: the stacked day's rounds are one unit
    assert f["severity"] in {"watch", "medium", "high"}
