"""The HTML report: one self-contained page (figures embedded as data: URIs) rendered with
Jinja2 autoescape, so workspace text (company names, tags, questions) is always escaped."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from prepops.report import figures

SECTIONS = (
    "overview",
    "funnel",
    "calibration",
    "rehearsals",
    "drift",
    "findings",
    "plan",
    "allocation",
    "quality",
)


def environment() -> Environment:
    """The Jinja2 environment over the packaged report templates, autoescaping everything."""
    return Environment(
        loader=PackageLoader("prepops", "resources/report"),
        autoescape=True,  # every {{ value }} is HTML-escaped; nothing is marked safe
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def context(inputs: dict[str, Any]) -> dict[str, Any]:
    """The template variables: stage outputs reshaped for the page, figures as data: URIs."""
    metrics, calibration = inputs["metrics"], inputs["calibration"]
    scorecard, rehearsals = inputs["scorecard"], inputs["rehearsals"]
    findings, plan, allocation = inputs["findings"], inputs["plan"], inputs["allocation"]
    overall = calibration["overall"]
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
        "plan": plan,
        "allocation": allocation,
        "by_version": rehearsals["by_template_version"],
        "validation": inputs["validation"],
        "expectations": inputs["validation"].get("expectations", []),
        "data_docs": "data_docs/index.html",
        "figures": {
            "funnel": figures.funnel(scorecard["funnel"]),
            "reliability": figures.reliability(overall),
            "rehearsals": figures.rehearsal_progress(rehearsals["by_template_version"]),
            "drift": figures.drift_heatmap(findings["drift"]),
            "allocation": figures.allocation(allocation),
        },
    }


def render(inputs: dict[str, Any]) -> str:
    """Render the whole report page (index.html.j2) from the stage outputs."""
    return environment().get_template("index.html.j2").render(**context(inputs))
