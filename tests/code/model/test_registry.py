"""The router's release gate against a real MLflow Model Registry (SQLite store in tmp)."""

from __future__ import annotations

from pathlib import Path

import pytest

from prepops.data.workspace import load
from prepops.model import fitting as rt
from prepops.model import registry
from prepops.model.router import Router
from prepops.training import tracking
from tests.conftest import DEMO


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    return tmp_path


def test_gate_rule() -> None:
    assert registry.gate(0.5, None, 10, has_champion=False)[0]
    assert registry.gate(0.8, 0.8, 10, True)[0]  # not below: promoted
    promoted, reason = registry.gate(0.7, 0.8, 10, True)
    assert not promoted and "0.700 < champion's 0.800" in reason and "10 question" in reason
    assert not registry.gate(None, None, 0, True)[0]


def release(root: Path, recipe: rt.Recipe) -> tuple[dict, Router]:
    """What the train_router flow does, on the demo, with one recipe."""
    tables = load(DEMO).tables
    q = rt.labelled_questions(tables)
    train, held = rt.split_gate(q, 0.3)
    model = rt.fit(train, rt.card_cues(tables), rt.card_keywords(tables), recipe)
    companies = rt.company_modes(tables)
    client = tracking.client(root)
    previous = registry.champion(client)
    cand = rt.accuracy(held["label"], rt.predict(model, held, companies))
    version, _ = registry.register(client, root, model.to_dict(), {"C": recipe.C}, {}, {})
    champ = None
    if previous is not None and previous.version != version.version:
        old = Router.from_dict(registry.download_router(previous, tracking.tracking_uri(root)))
        champ = rt.accuracy(held["label"], rt.predict(old, held, companies))["accuracy"]
    promoted, reason = registry.gate(cand["accuracy"], champ, cand["n"], previous is not None)
    decision = {
        "promoted": promoted,
        "reason": reason,
        "gate_accuracy": cand["accuracy"],
        "gate_n": cand["n"],
    }
    registry.promote(client, version, decision, previous)
    return decision | {"version": version.version, "champion_acc": champ}, model


WEAK = rt.Recipe(use_classifier=False, use_builtin_cues=False, card_cue_weight=0.0)


def test_worse_is_not_promoted_better_is(store: Path) -> None:
    first, _ = release(store, rt.Recipe())
    assert first["promoted"] and str(first["version"]) == "1"
    client = tracking.client(store)
    assert str(registry.champion(client).version) == "1"

    worse, _ = release(store, WEAK)
    assert not worse["promoted"] and "stays a candidate" in worse["reason"]
    assert worse["gate_accuracy"] < worse["champion_acc"]
    assert str(registry.champion(client).version) == "1"  # the alias did not move
    tags = client.get_model_version(registry.model_name(), worse["version"]).tags
    assert tags["status"] == "candidate" and "stays a candidate" in tags["reason"]

    again, _ = release(store, rt.Recipe(C=4.0001))  # as good as the champion: not below
    assert again["promoted"], again["reason"]
    assert registry.champion(client).version == again["version"]


def test_better_replaces_a_weak_champion_and_the_champion_loads_as_pyfunc(store: Path) -> None:
    weak, _ = release(store, WEAK)
    assert weak["promoted"]  # first version
    strong, model = release(store, rt.Recipe())
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
    release(store, rt.Recipe())
    client = tracking.client(store)
    runs = client.search_runs([tracking.experiment_id(client, registry.model_name(), store)])
    second, _ = release(store, rt.Recipe())
    assert str(second["version"]) == "1"
    again = client.search_runs([tracking.experiment_id(client, registry.model_name(), store)])
    assert len(again) == len(runs) == 1
