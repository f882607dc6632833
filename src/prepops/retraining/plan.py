"""Retraining plan: the smallest set of dated patches that answers the high and medium
findings. Each finding maps to one (layer, target file) patch; findings that map to the same
patch share it. Curriculum: transferable fundamentals (no company) first, one a day; a
company's fine-tuning is due in the days before its `next_round`. No patch without a
finding behind it; low and info findings get none.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from prepops.monitoring.monitor import slug

ACTIONABLE = ("high", "medium")
TAG_LAYERS = (  # feedback tag words -> (layer, target, action, drill)
    (
        ("metric", "number", "impact", "quantif"),
        "evidence",
        "evidence/",
        "Put one number from a packet's metric (value and baseline) into the first minute",
        "prepops retrieve on three logged questions; say the metric aloud in each answer",
    ),
    (
        ("long", "ramble", "verbose", "stop", "concise"),
        "decoding",
        "templates/backbone.yaml",
        "End every answer with the stop sentence within two minutes",
        "Three 2-minute rehearsals; each must end with the closing sentence",
    ),
    (
        ("jump", "solution", "clarif", "assum", "question", "listen"),
        "encoding",
        "templates/backbone.yaml",
        "Open with a restatement, one constraint and one assumption before any solution",
        "Five questions: restatement + constraint + assumption in the first 20 seconds",
    ),
    (
        ("tradeoff", "structure", "unclear", "depth", "edge"),
        "decoding",
        "templates/experts/",
        "Name the segment you are in and one trade-off per answer",
        "Two rehearsals per expert card, segment by segment",
    ),
)
SHIFT = {  # distribution_shift feature -> (layer, card field, action, drill)
    "wanted-mode mix": (
        "routing",
        "primary_mode",
        "Set primary_mode/secondary_mode to the modes its questions want most",
        "prepops route on its logged questions until all route right",
    ),
    "stage mix": (
        "scheduling",
        "focus",
        "List the stages it really runs in focus",
        "One mock round in its most frequent stage",
    ),
    "rubric emphasis": (
        "encoding",
        "rewards",
        "List the rubric dimensions it scores in rewards",
        "Rehearse two answers aimed at its rewarded dimensions",
    ),
    "follow-up kinds": (
        "decoding",
        "primary_mode",
        "Prepare for its follow-up style",
        "Answer three questions under its most frequent follow-up kind",
    ),
}


def _card(companies: pd.DataFrame, company: str | None) -> str:
    if company is None:
        return "templates/backbone.yaml"
    files = companies.set_index("company")["file"].to_dict()
    return files.get(company, "companies/")


def patch_for(finding: dict, companies: pd.DataFrame) -> dict | None:
    """(layer, target, action, drill, company) for one actionable finding."""
    kind, company = finding["kind"], finding.get("company")
    ctx = finding.get("context", {})
    if kind in ("overconfidence", "underconfidence", "threshold_mismatch"):
        verb = "Lower" if kind != "underconfidence" else "Raise"
        return {
            "layer": "encoding",
            "target": _card(companies, company),
            "company": company,
            "action": f"{verb} your reading of rounds{' at ' + company if company else ''}: "
            "note rescues and corrective follow-ups before writing confidence",
            "drill": "After each mock round predict the rubric, then compare with feedback",
        }
    if kind == "consensus_feedback":
        tag = finding["subject"]
        for words, layer, target, action, drill in TAG_LAYERS:
            if any(w in tag for w in words):
                return {
                    "layer": layer,
                    "target": target,
                    "company": None,
                    "action": f"{action} (feedback '{tag}')",
                    "drill": drill,
                }
        return {
            "layer": "decoding",
            "target": "templates/backbone.yaml",
            "company": None,
            "action": f"Answer the feedback '{tag}' in the backbone's method",
            "drill": "Two rehearsals judged against that feedback",
        }
    if kind == "distribution_shift":
        layer, field, action, drill = SHIFT[finding["evidence"]["statistic"]["feature"]]
        here = ", ".join(ctx.get("top", [])) or "see the finding"
        elsewhere = ", ".join(ctx.get("others_top", [])) or "n/a"
        return {
            "layer": layer,
            "target": _card(companies, company),
            "company": company,
            "action": f"{action} (field `{field}`; here mostly {here}, elsewhere {elsewhere})",
            "drill": drill,
        }
    if kind == "misrouting":
        wanted = (ctx.get("wanted_modes") or ["debugging"])[0]
        return {
            "layer": "routing",
            "target": f"templates/experts/{wanted}.yaml",
            "company": None,
            "action": "Add the misrouted questions' phrasings to the wanted cards' cues "
            f"({', '.join(ctx.get('wanted_modes', [wanted]))})",
            "drill": "prepops route on every misrouted question; rehearse two of them",
        }
    if kind == "interference":
        return {
            "layer": "scheduling",
            "target": "companies/",
            "company": None,
            "action": "Book at most one heavy round a day; keep a free day after an onsite",
            "drill": "Before a stacked day, rehearse back-to-back answers with no break",
        }
    if kind == "forgetting":
        return {
            "layer": "scheduling",
            "target": _card(companies, company),
            "company": company,
            "action": "Interleave: two rehearsals a week in this company's primary mode",
            "drill": "Two rehearsals in its primary mode before the next round",
        }
    if kind == "temporal_drift":
        return {
            "layer": "decoding",
            "target": "templates/backbone.yaml",
            "company": None,
            "action": f"Stop the slide in {finding['subject']}: rehearse with the current "
            "template and score each answer (prepops score)",
            "drill": "Three scored rehearsals; each must beat the last on that metric",
        }
    return None


def build(findings: list[dict], companies: pd.DataFrame, as_of: dt.date) -> dict:
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
    next_round = {}
    if "next_round" in companies:
        for c, d in zip(companies["company"], companies["next_round"], strict=True):
            if not pd.isna(d):
                next_round[c] = pd.Timestamp(d).date()
    general = sorted(
        (p for p in patches.values() if p["company"] is None),
        key=lambda p: (p["priority"], p["layer"], p["target"]),
    )
    specific = sorted(
        (p for p in patches.values() if p["company"] is not None),
        key=lambda p: (p["priority"], p["company"], p["layer"]),
    )
    out = []
    day = as_of
    for p in general:  # fundamentals first, one a day
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
    out.sort(key=lambda p: (p["due"], p["priority"]))
    for n, p in enumerate(out, 1):
        p["id"] = f"P{n:02d}-{p['layer']}-{slug(p['company'] or p['target'])}"
    return {"as_of": as_of.isoformat(), "patches": [{"id": p.pop("id"), **p} for p in out]}


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

    def cell(text: Any) -> str:
        return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")

    lines = [f"# Retraining plan, as of {plan['as_of']}", ""]
    if not plan["patches"]:
        lines += ["No high or medium finding: nothing to patch this week.", ""]
    else:
        lines += [
            "| due | id | layer | target | action | drill | findings |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        lines += [
            f"| {p['due']} | {p['id']} | {p['layer']} | {cell(p['target'])} | "
            f"{cell(p['action'])} | {cell(p['drill'])} | {', '.join(p['findings'])} |"
            for p in plan["patches"]
        ]
        lines.append("")
    lines += [f"## Next week's {allocation['hours_budget']} prep hours", ""]
    if allocation["loops"]:
        lines += [
            "| company | hours | share | advanced / known (n) | posterior mean |",
            "| --- | --- | --- | --- | --- |",
        ]
        lines += [
            f"| {cell(lp['company'])} | {lp['hours']} | {lp['share']:.0%} | "
            f"{lp['advanced']} / {lp['n']} | {lp['posterior_mean']} |"
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
