"""Retraining plan: the smallest set of dated patches that answers the high and medium
findings. Each finding maps to one (layer, target file) patch; findings that map to the same
patch share it. Curriculum: transferable fundamentals (no company) first, one a day; a
company's fine-tuning is due in the days before its `next_round`. No patch without a
finding behind it; watch and info findings get none (watch findings are listed apart, as
things to observe at the next rounds).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from prepops.monitoring.monitor import slug
from prepops.retraining.patches import observation_for, patch_for
from prepops.runtime.sanitize import for_markdown

ACTIONABLE = ("high", "medium")


def build(findings: list[dict], companies: pd.DataFrame, as_of: dt.date | None = None) -> dict:
    """The dated patches for the high and medium findings; `as_of` None means today."""
    as_of = as_of if as_of is not None else dt.date.today()
    patches = _merge(findings, companies)
    general = sorted(
        (p for p in patches if p["company"] is None),
        key=lambda p: (p["priority"], p["layer"], p["target"]),
    )
    specific = sorted(
        (p for p in patches if p["company"] is not None),
        key=lambda p: (p["priority"], p["company"], p["layer"]),
    )
    out = _schedule(general, specific, _next_rounds(companies), as_of)
    out.sort(key=lambda p: (p["due"], p["priority"]))
    for n, p in enumerate(out, 1):
        p["id"] = f"P{n:02d}-{p['layer']}-{slug(p['company'] or p['target'])}"
    return {
        "as_of": as_of.isoformat(),
        "patches": [{"id": p.pop("id"), **p} for p in out],
        "watch": [observation_for(f) for f in findings if f["severity"] == "watch"],
    }


def _merge(findings: list[dict], companies: pd.DataFrame) -> list[dict]:
    """One patch per (layer, target), holding every actionable finding that maps to it."""
    patches: dict[tuple[str, str], dict[str, Any]] = {}
    for f in findings:
        if f["severity"] not in ACTIONABLE:
            continue
        spec = patch_for(f, companies)
        if spec is None:
            continue
        key = (spec["layer"], spec["target"])
        patch = patches.setdefault(key, {**spec, "actions": [], "findings": [], "priority": 2})
        if spec["action"] not in patch["actions"]:
            patch["actions"].append(spec["action"])
        patch["findings"].append(f["id"])
        if f["severity"] == "high":
            patch["priority"] = 1
    return list(patches.values())


def _next_rounds(companies: pd.DataFrame) -> dict[str, dt.date]:
    """Each company's next round, where its card names one."""
    if "next_round" not in companies:
        return {}
    return {
        c: pd.Timestamp(d).date()
        for c, d in zip(companies["company"], companies["next_round"], strict=True)
        if not pd.isna(d)
    }


def _schedule(
    general: list[dict], specific: list[dict], next_round: dict[str, dt.date], as_of: dt.date
) -> list[dict]:
    """Fundamentals first, one a day; a company's patch the day(s) before its next round."""
    out = []
    day = as_of
    for p in general:
        day += dt.timedelta(days=1)
        out.append(_final(p, day, None))
    after = day
    for i, p in enumerate(specific):
        upcoming = next_round.get(p["company"])
        if upcoming and upcoming > as_of + dt.timedelta(days=1):
            due = min(
                upcoming - dt.timedelta(days=1),
                max(upcoming - dt.timedelta(days=2), after + dt.timedelta(days=1)),
            )
        else:
            due = after + dt.timedelta(days=7 + i)
        out.append(_final(p, due, upcoming))
    return out


def _final(p: dict, due: dt.date, next_round: dt.date | None) -> dict:
    return {
        "layer": p["layer"],
        "target": p["target"],
        "action": "; ".join(p["actions"]),
        "drill": p["drill"],
        "findings": sorted(set(p["findings"])),
        "priority": "high" if p["priority"] == 1 else "medium",
        "due": due.isoformat(),
        "company": p["company"],
        **({"next_round": next_round.isoformat()} if next_round else {}),
    }


def markdown(plan: dict, allocation: dict) -> str:
    """plan.md: the patches and next week's hours (workspace text goes in as plain text)."""

    def cell(text: Any) -> str:  # no link, image, HTML, emphasis, code, math or cell break
        return for_markdown(text if text is not None else "")

    lines = [f"# Retraining plan, as of {plan['as_of']}", ""]
    if not plan["patches"]:
        lines += ["No high or medium finding: nothing to patch this week.", ""]
    else:
        lines += [
            "| due | id | layer | target | action | drill | findings |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        lines += [
            f"| {p['due']} | {cell(p['id'])} | {p['layer']} | {cell(p['target'])} | "
            f"{cell(p['action'])} | {cell(p['drill'])} | {cell(', '.join(p['findings']))} |"
            for p in plan["patches"]
        ]
        lines.append("")
    if plan.get("watch"):
        lines += ["## To observe (watch findings: no patch yet)", ""]
        lines += [
            f"- {cell(w['finding'])}: {cell(w['observe'])}"
            + (f" (about {w['more_needed']} more would tell)" if w.get("more_needed") else "")
            for w in plan["watch"]
        ]
        lines.append("")
    lines += [f"## Next week's {allocation['hours_budget']} prep hours", ""]
    if allocation["loops"]:
        lines += [
            "| company | hours | share | advanced / known (n) | posterior mean | basis |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        lines += [
            f"| {cell(lp['company'])} | {lp['hours']} | {lp['share']:.0%} | "
            f"{lp['advanced']} / {lp['n']} | {lp['posterior_mean']} | {cell(lp.get('basis', ''))} |"
            for lp in allocation["loops"]
        ]
    else:
        lines.append("No active loop: no hours to allocate.")
    if allocation["no_hours"]:
        lines += [
            "",
            "No hours: "
            + ", ".join(f"{cell(c)} ({s})" for c, s in sorted(allocation["no_hours"].items())),
        ]
    return "\n".join(lines) + "\n"
