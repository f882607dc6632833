"""The demo workspace: valid, and rich enough that every later analysis has something real."""

from __future__ import annotations

import pandas as pd
import pytest

from prepops.data.contract import MODES, STAGES
from prepops.data.workspace import load
from tests.conftest import DEMO


@pytest.fixture(scope="module")
def demo():
    ws = load(DEMO)
    assert ws.problems == []
    return ws.tables


def test_size_and_coverage(demo) -> None:
    rounds = demo["rounds"]
    assert demo["companies"]["company"].nunique() >= 4
    assert len(rounds) >= 24
    assert (rounds["date"].max() - rounds["date"].min()).days >= 42
    assert set(rounds["stage"]) == set(STAGES)
    assert len(demo["rehearsals"]) == 12
    assert len(demo["evidence"]) == 6
    assert sorted(demo["experts"]["mode"]) == sorted(MODES)
    assert len(demo["backbone"]) == 1


def test_one_company_is_miscalibrated(demo) -> None:
    known = demo["rounds"][~demo["rounds"]["outcome"].isin(["pending", "withdrawn"])]
    hit = known["outcome"].isin(["advanced", "offer"])
    per = (
        known.assign(hit=hit)
        .groupby("company")
        .agg(conf=("confidence", "mean"), rate=("hit", "mean"), n=("hit", "size"))
    )
    gaps = (per["conf"] - per["rate"])[per["n"] >= 5]
    assert (gaps > 0.4).sum() == 1  # one clearly overconfident loop, the others closer


def test_a_feedback_tag_repeats_across_companies(demo) -> None:
    tags = demo["rounds"].explode("feedback").dropna(subset=["feedback"])
    spread = tags.groupby("feedback")["company"].nunique()
    assert spread.max() >= 3
    assert (spread == 1).any()  # and a local one, for the noise finding


def test_some_questions_are_misrouted(demo) -> None:
    q = demo["questions"].dropna(subset=["mode_wanted"])
    assert (q["mode_used"] != q["mode_wanted"]).sum() >= 4


def test_rehearsals_improve_between_template_versions(demo) -> None:
    r = demo["rehearsals"].sort_values("date")
    versions = r["template_version"].dropna().unique()
    assert len(versions) == 2
    first, second = (r[r["template_version"] == v] for v in versions)
    assert second["self_score"].mean() > first["self_score"].mean()
    assert r["template_version"].isna().sum() == 1  # one left for the pipeline to stamp
    assert pd.api.types.is_datetime64_any_dtype(r["date"])
