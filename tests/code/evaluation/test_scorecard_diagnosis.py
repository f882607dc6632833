"""Scorecard figures and the three-layer diagnosis on small hand-built tables."""

from __future__ import annotations

import pandas as pd

from prepops.data.workspace import load
from prepops.evaluation import diagnosis, scorecard


def test_scorecard_on_the_demo(demo_ws) -> None:
    tables = load(demo_ws).tables
    sc = scorecard.build(tables, strong=4.0)
    assert sc["n_rounds"] == len(tables["rounds"])
    assert sc["loss_proxy"]["overall"]["n"] == len(tables["rounds"])
    assert (
        sc["loss_proxy"]["per_company"]["Helix Robotics"]["mean"]
        > sc["loss_proxy"]["per_company"]["Orbital Payments"]["mean"]
    )
    fu = sc["robustness"]["follow_ups"]
    assert fu["n"] == len(tables["follow_ups"])
    assert sum(fu[k] for k in ("exploratory", "corrective", "clarifying", "adversarial")) == fu["n"]
    assert (
        sc["latency"]["first_answer_s"]["n"] == tables["questions"]["first_answer_s"].notna().sum()
    )
    assert set(sc["funnel"]) == set(tables["rounds"]["company"])


def test_loss_proxy_counts_signals_and_corrective_follow_ups() -> None:
    rounds = pd.DataFrame(
        {
            "id": ["a", "b"],
            "company": ["X", "X"],
            "signals.clarifications": [1, None],
            "signals.rescues": [1, None],
            "signals.topic_shifts": [0, None],
        }
    )
    follow_ups = pd.DataFrame(
        {"round_id": ["a", "a", "b"], "kind": ["corrective", "exploratory", "corrective"]}
    )
    out = scorecard.loss_proxy(rounds, follow_ups)
    assert out["overall"] == {"n": 1, "mean": 3.0, "median": 3.0, "std": None}  # b has no signals


def test_decision_threshold_lists_strong_rounds_that_were_rejected() -> None:
    rounds = pd.DataFrame(
        {
            "id": ["s1", "s2", "w1"],
            "outcome": ["rejected", "advanced", "rejected"],
            "rubric.correctness": [5, 4, 2],
            "rubric.clarity": [4, 4, 2],
        }
    )
    out = scorecard.decision_threshold(rounds, strong=4.0)
    assert out == {"strong_rubric": 4.0, "n_strong": 2, "rejected_anyway": 1, "round_ids": ["s1"]}


def _tables(**question) -> dict:
    q = {
        "round_id": "r",
        "q_index": 0,
        "text": "Q",
        "mode_used": "debugging",
        "mode_wanted": "debugging",
        "markers": ["restatement", "constraint", "robustness", "stop"],
        "rescued": False,
        **question,
    }
    rounds = pd.DataFrame({"id": ["r"], "outcome": ["advanced"], "signals.clarifications": [0]})
    follow_ups = pd.DataFrame(
        question.pop("follow_ups", []), columns=["round_id", "q_index", "kind"]
    )
    return {"rounds": rounds, "questions": pd.DataFrame([q]), "follow_ups": follow_ups}


def test_clean_question_is_not_diagnosed() -> None:
    assert diagnosis.diagnose(_tables())["questions"] == []


def test_misroute_is_a_routing_error() -> None:
    found = diagnosis.diagnose(_tables(mode_used="architecture"))["questions"]
    assert found[0]["primary"] == "routing"
    assert found[0]["evidence"]["routing"] == ["answered as architecture; it wanted debugging"]


def test_rescue_is_a_decoding_error_and_clarifying_follow_up_an_encoding_one() -> None:
    assert diagnosis.diagnose(_tables(rescued=True))["questions"][0]["primary"] == "decoding"
    found = diagnosis.diagnose(_tables(rescued=True, follow_ups=[("r", 0, "clarifying")]))[
        "questions"
    ][0]
    assert found["primary"] == "encoding"
    assert found["layers"] == ["encoding", "decoding"]


def test_misrouting_rate_on_demo(demo_ws) -> None:
    out = diagnosis.diagnose(load(demo_ws).tables)["misrouting"]
    assert out["misrouted"] == sum(out["pairs"].values())
    assert 0 < out["rate"] < 1
