"""The router's release gate against a real MLflow Model Registry (SQLite store in tmp)."""

from __future__ import annotations

from pathlib import Path

import pytest

from prepops.data.workspace import load
from prepops.model import fitting as rt
from prepops.model import registry, release
from prepops.model.router import Router
from prepops.runtime.settings import Router as RouterSettings
from prepops.training import tracking
from tests.conftest import DEMO


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    return tmp_path


def test_gate_rule() -> None:
    assert release.gate(0.5, None, 10, has_champion=False)[0]
    assert release.gate(0.8, 0.8, 10, True)[0]  # not below: promoted
    promoted, reason = release.gate(0.7, 0.8, 10, True)
    assert not promoted and "0.700 < champion's 0.800" in reason and "10 question" in reason
    assert not release.gate(None, None, 0, True)[0]


def test_decision_keeps_or_promotes() -> None:
    """The pure decision the flow records: both paths, and a rerun of the champion itself."""
    cand = {"n": 10, "accuracy": 0.7}
    kept = release.decide("3", "2", cand, {"n": 10, "accuracy": 0.8})
    assert not kept["promoted"] and kept["champion_after"] == "2"
    assert "stays a candidate" in kept["reason"]
    won = release.decide("3", "2", cand | {"accuracy": 0.9}, {"n": 10, "accuracy": 0.8})
    assert won["promoted"] and won["champion_after"] == "3" and won["champion_before"] == "2"
    same = release.decide("2", "2", cand, None)
    assert same["promoted"] and same["reason"].startswith("unchanged")


def run_release(root: Path, recipe: RouterSettings) -> tuple[dict, Router]:
    """The train_router flow's release path (release.release), on the demo, with one recipe."""
    tables = load(DEMO).tables
    q = rt.labelled_questions(tables)
    train, held = rt.split_gate(q, 0.3)
    model = rt.fit(train, rt.card_cues(tables), rt.card_keywords(tables), recipe)
    companies = rt.company_modes(tables)
    run = {"params": {"C": recipe.C}, "metrics": {}, "tags": {}}
    decision, doc = release.release(root, model, held, companies, run)
    # what champion.json gets: the candidate if promoted, else the champion it was gated on
    assert (doc == model.to_dict()) == decision["promoted"]
    champion = decision["champion_gate"]
    return decision | {
        "version": decision["candidate_version"],
        "champion_acc": champion["accuracy"] if champion else None,
    }, model


WEAK = RouterSettings(use_classifier=False, use_builtin_cues=False, card_cue_weight=0.0)


def test_worse_is_not_promoted_better_is(store: Path) -> None:
    first, _ = run_release(store, RouterSettings())
    assert first["promoted"] and str(first["version"]) == "1"
    client = tracking.client(store)
    assert str(registry.champion(client).version) == "1"

    worse, _ = run_release(store, WEAK)
    assert not worse["promoted"] and "stays a candidate" in worse["reason"]
    assert worse["gate_accuracy"] < worse["champion_acc"]
    assert str(registry.champion(client).version) == "1"  # the alias did not move
    tags = client.get_model_version(registry.model_name(), worse["version"]).tags
    assert tags["status"] == "candidate" and "stays a candidate" in tags["reason"]

    again, _ = run_release(store, RouterSettings(C=4.0001))  # as good as the champion: not below
    assert again["promoted"], again["reason"]
    assert registry.champion(client).version == again["version"]


def test_better_replaces_a_weak_champion_and_the_champion_loads_as_pyfunc(store: Path) -> None:
    weak, _ = run_release(store, WEAK)
    assert weak["promoted"]  # first version
    strong, model = run_release(store, RouterSettings())
    assert strong["promoted"] and strong["gate_accuracy"] > strong["champion_acc"]
    client = tracking.client(store)
    old = client.get_model_version(registry.model_name(), weak["version"])
    assert old.tags["status"] == "retired"

    import mlflow.pyfunc

    mlflow.set_tracking_uri(tracking.tracking_uri(store))
    loaded = mlflow.pyfunc.load_model(f"models:/{registry.model_name()}@{registry.ALIAS}")
    question = "Our p99 doubled after the release. Where do you look?"
    assert loaded.predict([question]) == [model.route(question)["mode"]]


def test_identical_candidate_adds_no_version_or_run(store: Path) -> None:
    run_release(store, RouterSettings())
    client = tracking.client(store)
    runs = client.search_runs([tracking.experiment_id(client, registry.model_name(), store)])
    second, _ = run_release(store, RouterSettings())
    assert str(second["version"]) == "1"
    again = client.search_runs([tracking.experiment_id(client, registry.model_name(), store)])
    assert len(again) == len(runs) == 1


def test_a_registry_that_cannot_be_read_stops_the_release(store: Path) -> None:
    """A broken registry is an error, never "no champion yet": the candidate is not
    registered as a first version and nothing is promoted."""
    import sqlite3

    first, _ = run_release(store, RouterSettings())
    assert first["promoted"]
    with sqlite3.connect(store / "mlflow.db") as db:  # the aliases table is gone: reads fail
        db.execute("DROP TABLE registered_model_aliases")
    with pytest.raises(registry.RegistryError, match=r"model registry: cannot read"):
        run_release(store, WEAK)
    with sqlite3.connect(store / "mlflow.db") as db:
        assert db.execute("SELECT count(*) FROM model_versions").fetchone()[0] == 1


def test_a_tie_keeps_the_rule_not_below(store: Path) -> None:
    """Equal gate accuracy promotes (not below), through the same release() the flow calls."""
    run_release(store, RouterSettings())
    tie, _ = run_release(store, RouterSettings(C=4.0001))
    assert tie["gate_accuracy"] == tie["champion_acc"] and tie["promoted"]
    assert ">=" in tie["reason"]
