"""False alarms, measured: on calibrated null workspaces from `prepops synth` (nothing
planted), a medium-or-higher finding in at most 5% of 100 seeds and a high one in at most 1%,
at 4 companies x 8 rounds and 6 companies x 10 rounds (the README quotes these counts)."""

from __future__ import annotations

from prepops.data import synth
from tests.code.monitoring.test_monitor import run

SEEDS = range(100, 200)
SIZES = {"4x8": (4, 32), "6x10": (6, 60)}


def null_rates(companies: int, rounds: int, seeds: range) -> dict[str, list[int]]:
    """Seeds whose null workspace raised a medium+ finding, and a high one."""
    loud: dict[str, list[int]] = {"medium+": [], "high": []}
    for s in seeds:
        spec = synth.Spec(seed=s, companies=companies, rounds=rounds)
        severities = {f["severity"] for f in run(synth.documents(spec), s)["findings"]}
        if severities & {"medium", "high"}:
            loud["medium+"].append(s)
        if "high" in severities:
            loud["high"].append(s)
    return loud


def check(size: str) -> None:
    loud = null_rates(*SIZES[size], SEEDS)
    assert len(loud["medium+"]) / len(SEEDS) <= 0.05, f"{size}: medium+ in seeds {loud['medium+']}"
    assert len(loud["high"]) / len(SEEDS) <= 0.01, f"{size}: high in seeds {loud['high']}"


# one class per size: `make test` (pytest-xdist, --dist loadscope) runs them side by side
class TestFourCompaniesEightRounds:
    def test_null_workspaces_stay_below_the_false_alarm_targets(self) -> None:
        check("4x8")


class TestSixCompaniesTenRounds:
    def test_null_workspaces_stay_below_the_false_alarm_targets(self) -> None:
        check("6x10")
