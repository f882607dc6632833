"""The HTML report: one self-contained page (figures embedded as data: URIs) rendered with
Jinja2 autoescape, so workspace text (company names, tags, questions) is always escaped."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from prepops.report import digest, figures, week
from prepops.runtime.sanitize import for_terminal

MISSING = "-"  # what the page shows for a missing value: never the word None
SECTIONS = (
    "week",
    "overview",
    "scorecard",
    "diagnosis",
    "funnel",
    "calibration",
    "rehearsals",
    "drift",
    "findings",
    "plan",
    "allocation",
    "quality",
)


def shown(value: Any) -> Any:
    """Every {{ value }} on its way to the page: None as MISSING, text as one printable line
    (no control character or bidi override); autoescape then makes it HTML text."""
    if value is None:
        return MISSING
    return for_terminal(value) if isinstance(value, str) else value


def environment() -> Environment:
    """The Jinja2 environment over the packaged report templates, autoescaping everything."""
    return Environment(
        loader=PackageLoader("prepops", "resources/report"),
        autoescape=True,  # every {{ value }} is HTML-escaped; nothing is marked safe
        undefined=StrictUndefined,
        finalize=shown,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def context(inputs: dict[str, Any]) -> dict[str, Any]:
    """The template variables: stage outputs reshaped for the page, figures as data: URIs."""
    metrics, calibration = inputs["metrics"], inputs["calibration"]
    scorecard, rehearsals = inputs["scorecard"], inputs["rehearsals"]
    findings, plan, allocation = inputs["findings"], inputs["plan"], inputs["allocation"]
    overall = calibration["overall"]
    rounds = inputs["tables"]["rounds"]
    severities = {
        s: sum(f["severity"] == s for f in findings["findings"])
        for s in ("high", "medium", "watch", "info")
    }
    return {
        "sections": SECTIONS,
        "manifest": inputs["manifest"],
        "metrics": metrics,
        "severities": severities,
        "calibration": {  # every key present: an empty workspace has no figures yet
            k: overall.get(k)
            for k in ("status", "n", "mean_confidence", "success_rate", "success_rate_ci")
        },
        "confusion": {
            k: (overall.get("confusion") or {}).get(k, 0)
            for k in ("good", "overconfident", "underconfident", "good_caution")
        },
        "per_company": calibration.get("per_company", {}),
        "findings": findings,
        "week": week.this_week(inputs),
        "scorecard": digest.scorecard_rows(scorecard),
        "diagnosis": digest.diagnosis_rows(inputs["diagnosis"], rounds),
        "tested": digest.tested(findings["findings"]),
        "waiting": digest.waiting_line(findings["findings"], findings["thresholds"]["min_n"]),
        "noise": digest.noise_line(findings["findings"]),
        "plan": plan,
        "allocation": allocation,
        "by_version": dict(  # in order of first use: JSON sorts the keys
            sorted(
                rehearsals["by_template_version"].items(),
                key=lambda kv: str(kv[1].get("first_date")),
            )
        ),
        "validation": inputs["validation"],
        "expectations": inputs["validation"].get("expectations", []),
        "data_docs": "data_docs/index.html",
        "figures": _figures(inputs),
    }


def _figures(inputs: dict[str, Any]) -> dict[str, str]:
    """The page's five figures as data: URIs."""
    return {
        "funnel": figures.funnel(inputs["scorecard"]["funnel"]),
        "reliability": figures.reliability(inputs["calibration"]["overall"]),
        "rehearsals": figures.rehearsals_over_time(inputs["rehearsals"]["rehearsals"]),
        "drift": figures.drift_heatmap(inputs["findings"]["drift"]),
        "allocation": figures.allocation(inputs["allocation"]),
    }


def render(inputs: dict[str, Any]) -> str:
    """Render the whole report page (index.html.j2) from the stage outputs."""
    return environment().get_template("index.html.j2").render(**context(inputs))
