"""The severity ladder: one Holm family for every test of the run, the p shown is the p
used, high reachable by permutation tests, and watch items that say how much more data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from prepops.monitoring import stats
from prepops.monitoring.consensus import feedback
from prepops.monitoring.findings import Candidate, assess, more_needed
from prepops.runtime.settings import Monitor

CFG = Monitor()


def candidate(p: float, kind: str = "misrouting", large: bool = False, **kw) -> Candidate:
    return Candidate(kind, kw.pop("subject", f"{kind} {p}"), "s", 9, {}, p, [], large, **kw)


def test_p_adjusted_is_holm_over_every_test_and_decides_the_severity() -> None:
    # a family of one with p 0.03 was medium before; among 25 tests it is only watched
    candidates = [candidate(0.03)] + [candidate(0.6, "temporal_drift") for _ in range(24)]
    (watch,) = assess(candidates, CFG)
    assert watch["severity"] == "watch" and watch["evidence"]["p_adjusted"] == 0.75
    found = assess([candidate(0.001, large=True)] + [candidate(0.5) for _ in range(9)], CFG)
    assert [(f["severity"], f["evidence"]["p_adjusted"]) for f in found] == [("medium", 0.01)]
    found = assess([candidate(0.0005, large=True)] + [candidate(0.5) for _ in range(9)], CFG)
    assert [(f["severity"], f["evidence"]["p_adjusted"]) for f in found] == [("high", 0.005)]


def test_watch_takes_a_large_effect_at_a_looser_p_and_says_how_much_more_data() -> None:
    # the new user's misrouting: 3 of 9 questions, p about 0.053, rate 0.33 >= 0.30
    (f,) = assess([candidate(0.053, large=True, expected="at most 10%", unit="questions")], CFG)
    assert f["severity"] == "watch" and f["evidence"]["more_needed"] >= 1
    assert "could be chance" in f["summary"] and "more questions" in f["summary"]
    assert "expected at most 10%" in f["summary"]
    assert assess([candidate(0.053)], CFG) == []  # small effect, p >= alpha: nothing
    assert more_needed(8, 0.01, 30, 0.05) > more_needed(8, 0.001, 30, 0.05)


def test_a_decisive_permutation_test_can_reach_high_after_holm_over_many_tests() -> None:
    rng = np.random.default_rng(0)
    counts = rng.multinomial(3, [0.33, 0.33, 0.33, 0.01], size=32).astype(float)
    group = np.arange(32) < 8
    counts[group] = rng.multinomial(3, [0.01, 0.01, 0.01, 0.97], size=8)  # its own mode
    first = stats.shift_test(counts, group, seed=0)["p_value"]
    assert first * 34 > CFG.alpha_high  # 1999 permutations: high out of reach at m = 34

    def redraw(b: int) -> float:
        return stats.shift_pvalue(counts, group, 1, b)

    shift = candidate(first, "distribution_shift", large=True, redraw=redraw)
    others = [candidate(0.5, "temporal_drift", subject=str(i)) for i in range(33)]
    (f,) = assess([shift, *others], CFG)
    assert f["severity"] == "high" and f["evidence"]["p_adjusted"] < CFG.alpha_high
    assert stats.resamples_for(34, 0.01) + 1 >= 4 * 34 / 0.01


def rounds(tags_by_company: dict[str, list[list[str]]]) -> pd.DataFrame:
    rows = [
        {"id": f"{c}-{i}", "company": c, "feedback": tags}
        for c, per_round in tags_by_company.items()
        for i, tags in enumerate(per_round)
    ]
    return pd.DataFrame(rows)


def test_consensus_is_tested_a_tag_everywhere_is_significant_a_few_strays_are_not() -> None:
    everywhere = rounds({c: [["too-long"]] * 5 + [[]] * 3 for c in "ABCD"})
    (c,), local = feedback(everywhere, CFG)
    assert c.kind == "consensus_feedback" and c.p_value < 1e-6 and c.large and local == []
    strays = rounds({"A": [["too-long"]] * 4 + [[]] * 4, "B": [["too-long"]] + [[]] * 7,
                     "C": [["too-long"]] + [[]] * 7, "D": [[]] * 8})  # fmt: skip
    (c,), _ = feedback(strays, CFG)
    assert c.statistic["companies"] == 3 and c.statistic["home"] == "A"
    assert c.p_value > CFG.alpha and not c.large  # 2 of 24 rounds elsewhere: strays
    (local,) = feedback(rounds({"A": [["x"]], "B": [[]]}), CFG)[1]
    assert local["kind"] == "local_noise" and local["severity"] == "info"


@pytest.mark.parametrize("p", [0.2, 0.04])
def test_nothing_is_medium_on_raw_p_alone(p: float) -> None:
    found = assess([candidate(p, large=True), candidate(0.9, "forgetting")], CFG)
    assert all(f["severity"] == "watch" for f in found)
