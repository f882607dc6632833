"""The patch table: which (layer, target file, action, drill) answers each kind of finding."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

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


def _patch(layer: str, target: str, company: str | None, action: str, drill: str) -> dict:
    return {"layer": layer, "target": target, "company": company, "action": action, "drill": drill}


def _calibration(finding: dict, companies: pd.DataFrame) -> dict:
    """Over- or underconfidence, or a threshold that misreads rounds: re-read the rounds."""
    company = finding.get("company")
    verb = "Lower" if finding["kind"] != "underconfidence" else "Raise"
    at = " at " + company if company else ""
    return _patch(
        "encoding",
        _card(companies, company),
        company,
        f"{verb} your reading of rounds{at}: "
        "note rescues and corrective follow-ups before writing confidence",
        "After each mock round predict the rubric, then compare with feedback",
    )


def _consensus(finding: dict, companies: pd.DataFrame) -> dict:
    """Feedback heard across companies: the first TAG_LAYERS row whose words it contains."""
    tag = finding["subject"]
    for words, layer, target, action, drill in TAG_LAYERS:
        if any(w in tag for w in words):
            return _patch(layer, target, None, f"{action} (feedback '{tag}')", drill)
    return _patch(
        "decoding",
        "templates/backbone.yaml",
        None,
        f"Answer the feedback '{tag}' in the backbone's method",
        "Two rehearsals judged against that feedback",
    )


def _shift(finding: dict, companies: pd.DataFrame) -> dict:
    """A company that differs from the rest: the card field of the shifted feature."""
    ctx, company = finding.get("context", {}), finding.get("company")
    layer, field, action, drill = SHIFT[finding["evidence"]["statistic"]["feature"]]
    here = ", ".join(ctx.get("top", [])) or "see the finding"
    elsewhere = ", ".join(ctx.get("others_top", [])) or "n/a"
    return _patch(
        layer,
        _card(companies, company),
        company,
        f"{action} (field `{field}`; here mostly {here}, elsewhere {elsewhere})",
        drill,
    )


def _misrouting(finding: dict, companies: pd.DataFrame) -> dict:
    """Questions answered by the wrong expert: teach the wanted cards their phrasings."""
    ctx = finding.get("context", {})
    wanted = (ctx.get("wanted_modes") or ["debugging"])[0]
    return _patch(
        "routing",
        f"templates/experts/{wanted}.yaml",
        None,
        "Add the misrouted questions' phrasings to the wanted cards' cues "
        f"({', '.join(ctx.get('wanted_modes', [wanted]))})",
        "prepops route on every misrouted question; rehearse two of them",
    )


def _interference(finding: dict, companies: pd.DataFrame) -> dict:
    """Heavy rounds stacked on one day."""
    return _patch(
        "scheduling",
        "companies/",
        None,
        "Book at most one heavy round a day; keep a free day after an onsite",
        "Before a stacked day, rehearse back-to-back answers with no break",
    )


def _forgetting(finding: dict, companies: pd.DataFrame) -> dict:
    """A company's primary mode gone stale between rounds."""
    company = finding.get("company")
    return _patch(
        "scheduling",
        _card(companies, company),
        company,
        "Interleave: two rehearsals a week in this company's primary mode",
        "Two rehearsals in its primary mode before the next round",
    )


def _drift(finding: dict, companies: pd.DataFrame) -> dict:
    """A rehearsal metric sliding over time."""
    return _patch(
        "decoding",
        "templates/backbone.yaml",
        None,
        f"Stop the slide in {finding['subject']}: rehearse with the current "
        "template and score each answer (prepops score)",
        "Three scored rehearsals; each must beat the last on that metric",
    )


# finding kind -> its patch; kinds not listed (local noise, insufficient data) get none
PATCHES: dict[str, Callable[[dict, pd.DataFrame], dict]] = {
    "overconfidence": _calibration,
    "underconfidence": _calibration,
    "threshold_mismatch": _calibration,
    "consensus_feedback": _consensus,
    "distribution_shift": _shift,
    "misrouting": _misrouting,
    "interference": _interference,
    "forgetting": _forgetting,
    "temporal_drift": _drift,
}


# finding kind -> what to write down at the next rounds to settle a watch finding
OBSERVE = {
    "overconfidence": "Write down your confidence before each round, the outcome after",
    "underconfidence": "Write down your confidence before each round, the outcome after",
    "threshold_mismatch": "Score each round's rubric before its outcome is known",
    "misrouting": "Log each question's wanted mode and the mode you answered in",
    "distribution_shift": "Log the stage, question modes and follow-ups of its next rounds",
    "interference": "Note which heavy rounds share a day and the signals each one lost",
    "forgetting": "Log rehearsals aimed at its style and the rubric of its next rounds",
    "temporal_drift": "Keep scoring every rehearsal (prepops score)",
    "consensus_feedback": "Write down every round's feedback tags, at every company",
}


def observation_for(finding: dict) -> dict:
    """What to observe for one watch finding (never a patch)."""
    return {
        "finding": finding["id"],
        "company": finding.get("company"),
        "observe": OBSERVE.get(finding["kind"], "Log the next rounds in full"),
        "more_needed": finding.get("evidence", {}).get("more_needed"),
    }


def patch_for(finding: dict, companies: pd.DataFrame) -> dict | None:
    """(layer, target, action, drill, company) for one actionable finding."""
    rule = PATCHES.get(finding["kind"])
    return rule(finding, companies) if rule else None
