"""Cross-validation at scale: above CV_SAMPLE labelled questions the router is cross-validated
on a stratified sample (each label in its share), the rest get no held-out prediction, and
the report's counts say how many were predicted. Real synthetic workspaces, real fits."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from prepops.data import synth, workspace
from prepops.model import fitting
from prepops.runtime.settings import Router as RouterSettings


@pytest.fixture(scope="module")
def inputs() -> dict:
    spec = synth.Spec(rounds=240, companies=4, rehearsals=0, seed=3)
    ws = workspace.from_documents(synth.documents(spec))
    assert not ws.problems
    return fitting.inputs(ws.tables)


def test_the_sample_keeps_every_label_in_its_share() -> None:
    labels = pd.Series(["a"] * 700 + ["b"] * 250 + ["c"] * 45 + ["d"] * 5)
    picked = fitting.cv_sample(labels, size=200, seed=0)
    assert list(picked) == sorted(set(picked))  # in order, no repeats
    got = Counter(labels.iloc[picked])
    for label, total in Counter(labels).items():
        assert abs(got[label] - total * 200 / len(labels)) <= 1, label
    assert got["d"] == 1  # a rare label is kept, not rounded away
    assert list(fitting.cv_sample(labels, size=200, seed=0)) == list(picked)  # reproducible
    assert list(fitting.cv_sample(labels, size=200, seed=1)) != list(picked)
    assert list(fitting.cv_sample(labels, size=1000)) == list(range(1000))  # under the cap


def test_above_the_cap_only_the_sample_is_predicted(inputs: dict, monkeypatch) -> None:
    q = inputs["questions"]
    cap = len(q) // 3
    monkeypatch.setattr(fitting, "CV_SAMPLE", cap)
    args = (q, inputs["cards"], inputs["keywords"], inputs["companies"], RouterSettings())
    held = fitting.cross_validate(*args)
    predicted = held.notna().to_numpy()
    assert np.flatnonzero(predicted).tolist() == fitting.cv_sample(q["label"], cap, 0).tolist()
    cv = fitting.accuracy(q["label"], list(held))
    assert cv["n"] == predicted.sum() < len(q)
    # the synthetic questions name their mode: a router that learned anything gets them right
    assert cv["accuracy"] >= 0.9
    mis = fitting.misrouting(q, held)
    wrong = q[(q["label_source"] == "mode_wanted") & (q["mode_used"] != q["label"])]
    assert mis["misrouted"] == len(wrong)  # counted over every question, sampled or not
    assert mis["router_right"]["n"] == held.loc[wrong.index].notna().sum()


def test_under_the_cap_every_question_is_predicted(inputs: dict) -> None:
    q = inputs["questions"]
    assert len(q) < fitting.CV_SAMPLE
    held = fitting.cross_validate(
        q, inputs["cards"], inputs["keywords"], inputs["companies"], RouterSettings()
    )
    assert held.notna().all()
