"""Power, measured: planted effects at realistic sizes (4 companies x 8 rounds) are found at
medium or high, on the planted kind and company, in at least 90% of 30 seeds, with medium
decided by Holm over every test of the run (false alarms: test_monitor_null.py)."""

from __future__ import annotations

import pytest

from prepops.data import synth
from tests.code.monitoring.test_monitor import run

SEEDS = range(30)
PLANTS = {
    "overconfidence": (synth.Plant(overconfident=1), ("overconfidence", "Helix")),
    "distribution_shift": (synth.Plant(shifted=2), ("distribution_shift", "Lumen")),
    "temporal_drift": (synth.Plant(rehearsal_decline=True), ("temporal_drift", None)),
    "consensus_feedback": (synth.Plant(consensus_tag="no-metrics"), ("consensus_feedback", None)),
}


@pytest.mark.parametrize("name", sorted(PLANTS))
def test_planted_effect_is_found(name: str) -> None:
    plant, (kind, company) = PLANTS[name]
    found = 0
    for seed in SEEDS:
        findings = run(synth.documents(synth.Spec(seed=seed, plant=plant)), seed)["findings"]
        found += any(
            f["kind"] == kind and f["company"] == company and f["severity"] in ("medium", "high")
            for f in findings
        )
    assert found / len(SEEDS) >= 0.9, f"{name}: found in {found} of {len(SEEDS)} seeds"
