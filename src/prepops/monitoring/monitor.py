"""Monitoring: what drifted, what is real signal and what is local noise.

Each check (one module per kind) yields candidate findings with a p-value from a
small-sample test (prepops.monitoring.stats); prepops.monitoring.findings corrects them all
together (one family: every test of the run) and assigns severity. A group below `min_n` is
never tested: it becomes an `insufficient_data` finding. Local noise (a tag heard at one
company only) is a rule: info, never acted on.
"""

from __future__ import annotations

import pandas as pd

from prepops.evaluation.scorecard import round_loss
from prepops.monitoring.calibration_checks import calibration
from prepops.monitoring.consensus import feedback
from prepops.monitoring.findings import (
    CORRECTION,
    WATCH_P_LARGE,
    Candidate,
    Short,
    assess,
    insufficient,
    numbered,
    slug,
)
from prepops.monitoring.interference import interference
from prepops.monitoring.routing import misrouting, threshold_mismatch
from prepops.monitoring.shift import distribution_shift
from prepops.monitoring.trends import forgetting, temporal_drift
from prepops.runtime.settings import Monitor

__all__ = ["monitor", "slug"]  # slug stays importable from here (retraining.plan uses it)


def _tested_checks(
    tables: dict[str, pd.DataFrame], records: list[dict], cfg: Monitor, strong_rubric: float
) -> tuple[list[Candidate], list[Short], list[dict], dict]:
    """Run every statistical check; the candidates' order fixes ties in the final sort."""
    rounds = tables["rounds"]
    loss = round_loss(rounds, tables["follow_ups"])
    candidates, short = [], []
    for found, missing in (
        calibration(rounds, cfg),
        misrouting(tables, cfg),
        threshold_mismatch(rounds, cfg, strong_rubric),
        interference(rounds, loss, cfg),
        forgetting(tables, records, cfg),
        temporal_drift(rounds, loss, records, cfg),
    ):
        candidates += found
        short += missing
    shifts, missing, heatmap = distribution_shift(tables, cfg)
    consensus, local = feedback(rounds, cfg)
    return candidates + shifts + consensus, short + missing, local, heatmap


def monitor(
    tables: dict[str, pd.DataFrame], records: list[dict], settings: Monitor, strong_rubric: float
) -> dict:
    """All checks on the workspace tables and rehearsal records, as findings.json."""
    tables = {**tables, "rounds": tables["rounds"].reset_index(drop=True)}
    candidates, short, local, heatmap = _tested_checks(tables, records, settings, strong_rubric)
    findings = assess(candidates, settings)
    findings += local + insufficient(short, settings.min_n)
    return {
        "tests_run": len(candidates),
        "correction": CORRECTION,
        "thresholds": {
            "alpha": settings.alpha,
            "alpha_high": settings.alpha_high,
            "watch_p_large": WATCH_P_LARGE,
            "min_n": settings.min_n,
        },
        "findings": numbered(findings),
        "drift": heatmap,
    }
