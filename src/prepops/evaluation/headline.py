"""The `evaluate` stage's pure part: scorecard + calibration + diagnosis -> headline metrics."""

from __future__ import annotations

from prepops.evaluation import calibration, diagnosis, scorecard
from prepops.runtime.settings import Evaluate


def evaluate(tables: dict, settings: Evaluate) -> dict:
    """Scorecard, calibration and diagnosis of the workspace's tables."""
    return {
        "scorecard": scorecard.build(tables, settings.strong_rubric),
        "calibration": calibration.calibrate(
            tables["rounds"], settings.confidence_threshold, settings.min_n, settings.seed
        ),
        "diagnosis": diagnosis.diagnose(tables),
    }


def with_router(result: dict, training: dict) -> dict:
    """Add the train_router stage's misrouting analysis to the diagnosis: for each confused
    pair, how many the router (held out from each question) would have routed right."""
    dx = result["diagnosis"]
    dx["misrouting"]["rate_ci95"] = training["misrouting"]["rate_ci95"]
    dx["misrouting"]["router"] = {
        "pairs": training["misrouting"]["pairs"],
        "would_route_right": training["misrouting"]["router_right"],
        "cv_accuracy": training["cross_validation"],
        "champion_version": training["gate"]["champion_after"],
    }
    return result


def latest_template(rehearsals_by_version: dict, current: str | None) -> dict:
    """The current template version's figures; else the version first used most recently."""
    if current in rehearsals_by_version:
        return rehearsals_by_version[current]
    if not rehearsals_by_version:
        return {}
    return max(rehearsals_by_version.values(), key=lambda v: v.get("first_date") or "")


def headline(
    result: dict,
    data_counts: dict,
    rehearsals_by_version: dict,
    current_template: str | None = None,
) -> dict:
    """The flat figures `dvc metrics diff` compares week to week (None where not computable)."""
    cal, sc, dx = result["calibration"]["overall"], result["scorecard"], result["diagnosis"]
    latest = latest_template(rehearsals_by_version, current_template)
    router = dx["misrouting"].get("router", {})
    return {
        "data": data_counts,
        "calibration": {
            "n": cal["n"],
            "brier": cal.get("brier"),
            "ece": cal.get("ece"),
            "gap": cal.get("gap"),
            "overconfident": cal["confusion"]["overconfident"],
        },
        "scorecard": {
            "loss_proxy_mean": sc["loss_proxy"]["overall"]["mean"],
            "corrective_share": sc["robustness"]["corrective_share"],
            "rescue_rate_after_adversarial": sc["robustness"]["rescue_rate_after_adversarial"][
                "rate"
            ],
            "first_answer_median_s": sc["latency"]["first_answer_s"].get("median"),
            "strong_but_rejected": sc["decision_threshold"]["rejected_anyway"],
        },
        "diagnosis": {
            **{f"primary_{k}": v for k, v in dx["primary_counts"].items()},
            "misroute_rate": dx["misrouting"]["rate"],
            "misrouted_router_would_fix": router.get("would_route_right", {}).get("accuracy"),
        },
        "router": {
            "cv_accuracy": router.get("cv_accuracy", {}).get("accuracy"),
            "cv_n": router.get("cv_accuracy", {}).get("n"),
        },
        "rehearsals_latest_template": {
            k: latest.get(k)
            for k in ("n", "coverage", "filler_rate", "snr", "order_score", "self_score")
        }
        | {"version": current_template},
    }


def flat(metrics: dict, prefix: str = "") -> dict[str, float]:
    """Nested metrics -> {"a.b": value} with only numbers (for MLflow)."""
    out: dict[str, float] = {}
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out |= flat(value, f"{name}.")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out[name] = float(value)
    return out
