"""The ingest and validate flows, run for real under the Prefect test harness."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import edit

pytestmark = pytest.mark.flow


def _ingest(ws: Path, root: Path, on_error: str = "fail"):
    from pipelines.ingest import ingest_flow

    return ingest_flow(
        workspace_dir=str(ws),
        max_file_bytes=1_000_000,
        on_error=on_error,
        root=str(root),
        return_state=True,
    )


def test_ingest_then_validate(prefect_harness, demo_ws: Path, tmp_path: Path) -> None:
    from pipelines.validate import validate_flow
    from prepops.runtime.settings import Validate

    state = _ingest(demo_ws, tmp_path)
    assert state.is_completed(), state.message
    tables = tmp_path / "reports" / "tables"
    rounds = pd.read_parquet(tables / "rounds.parquet")
    assert sorted(rounds["file"]) == sorted(
        f"rounds/{p.name}" for p in (demo_ws / "rounds").glob("*.yaml")
    )
    rehearsals = pd.read_parquet(tables / "rehearsals.parquet")
    manifest = json.loads((tables / "manifest.json").read_text())
    stamped = rehearsals[rehearsals["template_version_stamped"]]
    assert list(stamped["template_version"]) == [manifest["template_version"]]
    assert len(manifest["warnings"]) == len(stamped)

    state = validate_flow(root=str(tmp_path), settings=Validate(), return_state=True)
    assert state.is_completed(), state.message
    report = json.loads((tmp_path / "reports" / "validation.json").read_text())
    assert report["data"]["rounds"] == len(rounds)
    assert report["data"]["contract_problems"] == 0
    assert report["problems"] == []


def test_validate_fails_cleanly_on_a_table_missing_a_column(
    prefect_harness, demo_ws: Path, tmp_path: Path
) -> None:
    """A stored table off the contract fails the stage with its problem, not a KeyError."""
    from pipelines.validate import validate_flow
    from prepops.runtime.settings import Validate

    assert _ingest(demo_ws, tmp_path).is_completed()
    path = tmp_path / "reports" / "tables" / "rounds.parquet"
    pd.read_parquet(path).drop(columns=["confidence"]).to_parquet(path, index=False)
    state = validate_flow(root=str(tmp_path), settings=Validate(), return_state=True)
    assert state.is_failed() and "1 problem(s) in the stored tables" in state.message


def test_ingest_fails_on_bad_workspace_and_writes_nothing(
    prefect_harness, demo_ws: Path, tmp_path: Path
) -> None:
    edit(demo_ws, "rounds/helix-incident-2026-10-28.yaml", lambda d: d.update(stage="nope"))
    state = _ingest(demo_ws, tmp_path)
    assert state.is_failed()
    assert "1 problem(s)" in state.message
    assert not (tmp_path / "reports").exists()


def test_quarantine_runs_the_rest(prefect_harness, demo_ws: Path, tmp_path: Path) -> None:
    edit(demo_ws, "rounds/helix-incident-2026-10-28.yaml", lambda d: d.update(confidence=9))
    state = _ingest(demo_ws, tmp_path, on_error="quarantine")
    assert state.is_completed()
    manifest = json.loads((tmp_path / "reports" / "tables" / "manifest.json").read_text())
    assert manifest["quarantined"] == ["rounds/helix-incident-2026-10-28.yaml"]
    rounds = pd.read_parquet(tmp_path / "reports" / "tables" / "rounds.parquet")
    assert "helix-incident-2026-10-28" not in set(rounds["id"])


def test_flows_use_prefect_api_url_when_set(prefect_harness, tmp_path: Path) -> None:
    from prefect.settings import PREFECT_API_URL

    from prepops.runtime.prefect_server import STATE, prefect_api

    harness_url = PREFECT_API_URL.value()
    assert harness_url  # the harness points Prefect at its own server
    with prefect_api(tmp_path / ".prefect") as url:
        assert url == harness_url
    assert not (tmp_path / ".prefect" / STATE).exists()  # no shared server was started


def test_rehearse_and_evaluate_flows(
    prefect_harness, demo_ws: Path, tmp_path: Path, monkeypatch
) -> None:
    from mlflow.tracking import MlflowClient

    from pipelines.evaluate import evaluate_flow
    from pipelines.monitor import monitor_flow
    from pipelines.plan import plan_flow
    from pipelines.rehearse import rehearse_flow
    from pipelines.report import report_flow
    from pipelines.train_router import train_router_flow
    from pipelines.validate import validate_flow
    from prepops.model.router import Router
    from prepops.runtime.settings import Plan, Score, Settings, Validate

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    assert _ingest(demo_ws, tmp_path).is_completed()
    assert validate_flow(root=str(tmp_path), settings=Validate(), return_state=True).is_completed()
    state = rehearse_flow(root=str(tmp_path), settings=Score(), return_state=True)
    assert state.is_completed(), state.message
    n = len(list((demo_ws / "rehearsals").glob("*.yaml")))
    assert state.result() == {"logged": n, "unchanged": 0, "superseded": 0}
    state = train_router_flow(root=str(tmp_path), settings=Settings().router, return_state=True)
    assert state.is_completed(), state.message
    training = state.result()
    assert training["gate"]["promoted"] and training["gate"]["reason"].startswith("first")
    assert training["cross_validation"]["n"] == training["labelled_questions"] > 0
    champion = tmp_path / "reports" / "router" / "champion.json"
    assert Router.load(champion).route("Design a cache for a feed")["mode"] == "architecture"
    state = evaluate_flow(root=str(tmp_path), settings=Settings().evaluate, return_state=True)
    assert state.is_completed(), state.message
    metrics = json.loads((tmp_path / "reports" / "metrics.json").read_text())
    assert metrics["data"]["rehearsals"] == n
    assert metrics["router"]["cv_n"] == training["cross_validation"]["n"]
    diagnosis = json.loads((tmp_path / "reports" / "diagnosis.json").read_text())
    would = diagnosis["misrouting"]["router"]["would_route_right"]
    assert would["n"] == diagnosis["misrouting"]["misrouted"]
    assert metrics["diagnosis"]["misrouted_router_would_fix"] == would["accuracy"]
    for flow_fn, kwargs in (
        (monitor_flow, {"settings": Settings().monitor, "strong_rubric": 4.0}),
        (plan_flow, {"settings": Plan(hours=8.0, seed=1, as_of=dt.date(2026, 11, 20))}),
        (report_flow, {}),
    ):
        state = flow_fn(root=str(tmp_path), **kwargs, return_state=True)
        assert state.is_completed(), state.message
    plan = json.loads((tmp_path / "reports" / "plan.json").read_text())
    assert plan["as_of"] == "2026-11-20" and plan["patches"]
    alloc = json.loads((tmp_path / "reports" / "allocation.json").read_text())
    assert sum(lp["hours"] for lp in alloc["loops"]) == 8.0
    assert '<section id="plan">' in (tmp_path / "reports" / "index.html").read_text()
    # the latest template's figures are the current version's, whatever the key order
    assert (
        metrics["rehearsals_latest_template"]["version"]
        == json.loads((tmp_path / "reports" / "tables" / "manifest.json").read_text())[
            "template_version"
        ]
    )
    client = MlflowClient(tracking_uri=uri)
    runs = client.search_runs([client.get_experiment_by_name("prepops-evaluation").experiment_id])
    assert len(runs) == 1
    assert runs[0].data.metrics["calibration.n"] == metrics["calibration"]["n"]
    assert {a.path for a in client.list_artifacts(runs[0].info.run_id)} >= {
        "scorecard.json",
        "calibration.json",
        "diagnosis.json",
    }


def test_plan_date_from_params_reaches_the_flow(monkeypatch, tmp_path: Path) -> None:
    """params.yaml `plan.as_of` wins; else the plan is dated from the as_of stage's day."""
    import pipelines.plan as stage
    from prepops.runtime.paths import Paths
    from prepops.runtime.settings import Settings

    paths = Paths(tmp_path)
    paths.as_of.parent.mkdir(parents=True)
    paths.as_of.write_text('{"as_of": "2026-11-27", "source": "params.yaml as_of"}')
    got = {}
    monkeypatch.setattr(stage, "run", lambda flow, build: got.update(build=build))
    stage.main()
    settings = Settings.model_validate({"plan": {"as_of": "2026-11-20"}})
    assert got["build"](settings, paths)["settings"] == settings.plan
    assert got["build"](settings, paths)["settings"].as_of == dt.date(2026, 11, 20)
    assert got["build"](Settings(), paths)["settings"].as_of == dt.date(2026, 11, 27)
