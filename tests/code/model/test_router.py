"""The router: cue rules, the exported classifier, the company prior, and its accuracy on
the labelled question set (tests/data/questions.yaml), trained on the demo workspace only."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from prepops.data.contract import MODES
from prepops.data.workspace import load
from prepops.model import fitting as rt
from prepops.model import router
from prepops.runtime.settings import Router as RouterSettings
from tests.conftest import DEMO, ROOT, edit

QUESTIONS = ROOT / "tests" / "data" / "questions.yaml"


def labelled_set() -> list[tuple[str, str, bool]]:
    doc = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    return [(q["text"], mode, bool(q.get("plain"))) for mode, qs in doc.items() for q in qs]


def demo_router(recipe: RouterSettings | None = None) -> router.Router:
    recipe = recipe or RouterSettings()
    tables = load(DEMO).tables
    return rt.fit(
        rt.labelled_questions(tables), rt.card_cues(tables), rt.card_keywords(tables), recipe
    )


def test_labelled_set_is_varied_and_held_out() -> None:
    items = labelled_set()
    assert len(items) >= 150
    per_mode = pd.Series([m for _, m, _ in items]).value_counts()
    assert set(per_mode.index) == set(MODES) and per_mode.min() >= 30
    assert sum(plain for *_, plain in items) >= len(items) / 3
    texts = {t.strip().lower() for t, _, _ in items}
    assert len(texts) == len(items)  # no duplicates
    workspace = {t.strip().lower() for t in load(DEMO).tables["questions"]["text"]}
    seeds = {q.strip().lower() for qs in rt.seed_questions().values() for q in qs}
    assert not texts & workspace and not texts & seeds  # held out from everything it learns


def test_top1_accuracy_on_the_labelled_set_with_only_the_demo_workspace() -> None:
    model = demo_router()
    items = labelled_set()
    right = [model.route(text)["mode"] == mode for text, mode, _ in items]
    plain = [r for r, (*_, p) in zip(right, items, strict=True) if p]
    assert np.mean(right) >= 0.85, f"top-1 accuracy {np.mean(right):.3f} on {len(items)}"
    assert np.mean(plain) >= 0.6, f"{np.mean(plain):.3f} on {len(plain)} cue-free questions"


def test_each_part_of_the_blend_earns_its_place() -> None:
    items = labelled_set()

    def accuracy(model: router.Router) -> float:
        return float(np.mean([model.route(t)["mode"] == m for t, m, _ in items]))

    full = accuracy(demo_router())
    no_classifier = accuracy(demo_router(RouterSettings(use_classifier=False)))
    no_builtin = accuracy(demo_router(RouterSettings(use_builtin_cues=False)))
    assert full > no_classifier and full > no_builtin


def test_exported_classifier_reproduces_sklearn_predict_proba() -> None:
    texts = [
        "the api got slow after deploy",
        "design a cache for a feed",
        "a team conflict",
        "what ships first for users",
        "run an experiment on ranking",
        "logs show errors",
    ]
    labels = ["debugging", "architecture", "leadership", "product", "research", "debugging"]
    for subset in (slice(None), slice(0, 2)):  # multinomial and the binary special case
        vec, model = rt.fit_classifier(
            texts[subset], labels[subset], [1.0] * len(texts[subset]), 4.0
        )
        terms, intercept = rt.export(vec, model)
        exported = router.Router(
            terms,
            intercept,
            True,
            [],
            {"classifier": 1, "cues": 1, "prior": 1},
            router.DEFAULT_PRIOR,
            0.15,
            {},
        )
        for question in ("why is the api slow", "a brand new question about caching"):
            ours = exported.classifier_proba(question)
            theirs = model.predict_proba(vec.transform([question]))[0]
            for mode, p in zip(model.classes_, theirs, strict=True):
                assert ours[mode] == pytest.approx(p, abs=1e-4)


def test_cue_patterns() -> None:
    cue = router.Cue.make("slow*", "debugging", 1.0, "builtin")
    assert router.fired("It got slower", [cue]) and router.fired("a slowdown", [cue])
    assert not router.fired("a snowstorm", [cue])
    gap = router.Cue.make("after * deploy", "debugging", 1.0, "builtin")
    assert router.fired("After Tuesday's deploy it broke", [gap])
    exact = router.Cue.make("what now", "debugging", 1.0, "card")
    assert router.fired("Errors everywhere. What now?", [exact])
    assert not router.fired("what nowadays", [exact])
    twice = [exact, router.Cue.make("What now", "debugging", 2.0, "builtin")]
    assert [c.weight for c in router.fired("what now", twice)] == [2.0]  # counted once


def test_the_learned_part_routes_a_phrase_no_rule_knows(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    import shutil

    shutil.copytree(DEMO, ws)
    edit(
        ws,
        "rounds/quanta-research-2026-10-16.yaml",
        lambda d: d["questions"].extend(
            {
                "text": f"Zorblat question number {i}: what about the zorblats?",
                "mode_used": "research",
                "mode_wanted": "research",
            }
            for i in range(4)
        ),
    )
    tables = load(ws).tables
    fitted = rt.fit(
        rt.labelled_questions(tables),
        rt.card_cues(tables),
        rt.card_keywords(tables),
        RouterSettings(),
    )
    unseen = "Tell us about zorblat rates"
    assert fitted.route(unseen)["mode"] == "research"
    assert demo_router().route(unseen)["mode"] != "research"


@pytest.mark.parametrize(
    ("question", "frame"),
    [
        ("How would you improve Duolingo?", "f:improve"),
        ("How would you improve the checkout of a bakery?", "f:improve"),
        ("Estimate the number of dentists in Lisbon.", "f:estimate"),
        ("How many bikes are rented in Paris each day?", "f:estimate"),
        ("Tell me about a time you disagreed with a designer.", "f:past"),
        ("Bookings dropped 12% in Madrid last week. Why?", "f:kpi_moved"),
        ("A pod is stuck in Pending. How would you troubleshoot it?", "f:check"),
        ("Design a rate limiter.", "f:design"),
        ("Payment gateway", "f:title"),
        ("Explain the difference between a t-test and a z-test.", "f:explain"),
    ],
)
def test_question_frames_hold_whatever_the_topic(question: str, frame: str) -> None:
    assert frame in router.frames(question)
    assert frame in router.features(question)


def test_frames_are_not_everywhere() -> None:
    assert router.frames("How would you improve Duolingo?") == ["f:improve"]
    assert "f:title" not in router.frames("How would you design a cache?")
    assert "f:past" not in router.frames("Design a product for people who cook alone.")


@pytest.mark.parametrize(
    ("question", "mode"),
    [
        ("How would you improve Duolingo?", "product"),
        ("Estimate the number of dentists in Lisbon.", "product"),
        ("Design a budgeting tool for retired teachers.", "product"),
        ("You are the PM of a podcast app and listening time fell 10%. What do you do?", "product"),
        ("Tell me about a time you disagreed with a designer.", "leadership"),
        ("Voice chat backend", "architecture"),
        ("A pod keeps getting OOMKilled after the upgrade. What do you check?", "debugging"),
        ("When would you prefer a Mann-Whitney test to a t-test?", "research"),
        ("Explain how a random forest decides its prediction.", "research"),
    ],
)
def test_kinds_of_questions_route_without_their_words_in_training(question: str, mode: str) -> None:
    seeds = {q.lower() for qs in rt.seed_questions().values() for q in qs}
    assert question.lower() not in seeds
    assert demo_router().route(question)["mode"] == mode


def test_company_prior_tips_an_ambiguous_question() -> None:
    model = demo_router()
    question = "What would you do about our search?"
    lumen = model.route(question, "leadership", "product")
    quanta = model.route(question, "research", "architecture")
    assert lumen["scores"]["leadership"] > quanta["scores"]["leadership"]
    assert quanta["scores"]["research"] > lumen["scores"]["research"]
    assert abs(sum(lumen["scores"].values()) - 1) < 0.01


def test_route_output_shape_and_secondary() -> None:
    out = demo_router().route("Design an A/B test for the new ranking model at scale")
    assert set(out) == {"mode", "secondary", "confidence", "scores", "cues"}
    assert out["mode"] in MODES and out["secondary"] in (*MODES, None)
    assert out["confidence"] == max(out["scores"].values())
    assert all({"phrase", "mode", "source"} <= set(c) for c in out["cues"])


def test_labels_follow_the_contract_rules(demo_ws: Path) -> None:
    def add(d: dict) -> None:
        d["questions"] = [
            {"text": "judged", "mode_used": "product", "mode_wanted": "debugging"},
            {"text": "went well", "mode_used": "architecture"},
            {"text": "rescued", "mode_used": "leadership", "rescued": True},
            {"text": "corrected", "mode_used": "product", "follow_ups": [{"kind": "corrective"}]},
        ]

    edit(demo_ws, "rounds/quanta-research-2026-10-16.yaml", add)
    q = rt.labelled_questions(load(demo_ws).tables).set_index("text")
    assert q.loc["judged", "label"] == "debugging"
    assert q.loc["went well", "label_source"] == "mode_used (went well)"
    assert "rescued" not in q.index and "corrected" not in q.index


def test_gate_split_is_stable_and_near_its_fraction() -> None:
    texts = [t for t, _, _ in labelled_set()]
    first = [rt.in_gate_set(t, 0.3) for t in texts]
    assert first == [rt.in_gate_set(t, 0.3) for t in texts]
    assert 0.15 < np.mean(first) < 0.45


def test_model_file_round_trip(tmp_path: Path) -> None:
    model = demo_router()
    path = tmp_path / "router.json"
    import json

    path.write_text(json.dumps(model.to_dict()))
    again = router.Router.load(path)
    q = "Users in one region get timeouts since the upgrade"
    assert again.route(q) == model.route(q)
    doc = model.to_dict() | {"modes": ["x"]}
    with pytest.raises(ValueError, match="not a prepops-router"):
        router.Router.from_dict(doc)
    other_frames = model.to_dict()
    other_frames["features"] = {"char_ngrams": list(router.CHAR_NGRAMS), "frames": ["past"]}
    with pytest.raises(ValueError, match="other features"):
        router.Router.from_dict(other_frames)
    older = model.to_dict()
    older["features"] = {"char_ngrams": list(router.CHAR_NGRAMS)}  # written before frames
    assert router.Router.from_dict(older).route(q) == model.route(q)


def test_cross_validation_gives_a_prediction_per_question() -> None:
    tables = load(DEMO).tables
    q = rt.labelled_questions(tables)
    held = rt.cross_validate(
        q,
        rt.card_cues(tables),
        rt.card_keywords(tables),
        rt.company_modes(tables),
        RouterSettings(cv_folds=5, seed=0),
    )
    assert held.notna().all() and len(held) == len(q)
    acc = rt.accuracy(q["label"], list(held))
    assert acc["n"] == len(q) and acc["ci95"][0] <= acc["accuracy"] <= acc["ci95"][1]
    mis = rt.misrouting(q, held)
    assert mis["misrouted"] == sum(q["mode_used"] != q["label"])
    assert sum(p["n"] for p in mis["pairs"].values()) == mis["misrouted"]
    assert mis["router_right"]["n"] == mis["misrouted"]


def test_a_workspace_without_logged_questions_still_gets_a_router(tmp_path: Path) -> None:
    from prepops.data.scaffold import create

    create(tmp_path / "ws")
    tables = load(tmp_path / "ws").tables
    q = rt.labelled_questions(tables)
    assert q.empty and "text" in q.columns
    model = rt.fit(q, rt.card_cues(tables), rt.card_keywords(tables), RouterSettings())
    assert model.route("Design a rate limiter")["mode"] == "architecture"
    held = rt.cross_validate(q, {}, {}, {}, RouterSettings(cv_folds=5, seed=0))
    assert held.empty and rt.accuracy(q["label"], list(held))["accuracy"] is None
    assert rt.misrouting(q, held)["rate"] is None
