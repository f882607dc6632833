"""Three-layer diagnosis of each miss: encoding, routing or decoding, with the evidence.

- encoding: the question was not taken in (clarifying follow-ups on it, clarifications in
  the round, no restatement or constraint marker),
- routing: the wrong expert answered (`mode_used` differs from `mode_wanted`),
- decoding: the answer came out wrong (rescued, corrective follow-ups, no robustness or
  stop marker).
A question is diagnosed when it shows a symptom (a clarifying or corrective follow-up, a
rescue, a misroute) or when its round was lost and markers are missing. Missing markers
and round-level signals are weaker evidence than the question's own symptoms; the primary
layer is the earliest layer with the strongest evidence, since a question misunderstood
cannot be routed well, and one misrouted cannot be decoded well.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from prepops.evaluation.calibration import NEGATIVE

LAYERS = ("encoding", "routing", "decoding")


def _markers(value) -> set[str] | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return set(value)


def question_findings(
    questions: pd.DataFrame, follow_ups: pd.DataFrame, rounds: pd.DataFrame
) -> list[dict]:
    """Each question with a symptom, or in a lost round with markers missing: its evidence."""
    # plain dicts: one pandas lookup per question costs seconds at 100k rounds
    kinds = Counter(
        zip(
            follow_ups["round_id"],
            follow_ups["q_index"].astype(int),
            follow_ups["kind"],
            strict=True,
        )
    )
    clarifications = dict(zip(rounds["id"], rounds["signals.clarifications"], strict=True))
    outcomes = dict(zip(rounds["id"], rounds["outcome"], strict=True))
    found = []
    for q in questions.itertuples(index=False):
        strong = _strong(q, kinds)
        weak = _weak(q, clarifications.get(q.round_id))
        lost = outcomes.get(q.round_id) in NEGATIVE
        if any(strong.values()) or (lost and any(weak.values())):
            found.append(_finding(q, strong, weak))
    return found


def _strong(q, kinds: Counter) -> dict[str, list[str]]:
    """The question's own symptoms, by layer."""
    strong: dict[str, list[str]] = {layer: [] for layer in LAYERS}
    n_clarifying = kinds.get((q.round_id, int(q.q_index), "clarifying"), 0)
    n_corrective = kinds.get((q.round_id, int(q.q_index), "corrective"), 0)
    if n_clarifying:
        strong["encoding"].append(f"{n_clarifying} clarifying follow-up(s)")
    if isinstance(q.mode_wanted, str) and q.mode_wanted != q.mode_used:
        strong["routing"].append(f"answered as {q.mode_used}; it wanted {q.mode_wanted}")
    if pd.notna(q.rescued) and bool(q.rescued):
        strong["decoding"].append("the interviewer had to rescue the answer")
    if n_corrective:
        strong["decoding"].append(f"{n_corrective} corrective follow-up(s)")
    return strong


def _weak(q, clarifications) -> dict[str, list[str]]:
    """Weaker evidence, by layer: the round's clarifications and the markers missing."""
    weak: dict[str, list[str]] = {layer: [] for layer in LAYERS}
    if pd.notna(clarifications) and clarifications > 0:
        weak["encoding"].append(f"{int(clarifications)} clarification(s) in the round")
    markers = _markers(q.markers)
    if markers is not None:
        weak["encoding"] += [
            f"no {m} marker" for m in ("restatement", "constraint") if m not in markers
        ]
        weak["decoding"] += [f"no {m} marker" for m in ("robustness", "stop") if m not in markers]
    return weak


def _finding(q, strong: dict[str, list[str]], weak: dict[str, list[str]]) -> dict:
    """The question's evidence by layer; primary: the earliest layer with a symptom."""
    evidence = {
        layer: strong[layer] + weak[layer] for layer in LAYERS if strong[layer] + weak[layer]
    }
    ranked = [layer for layer in LAYERS if strong[layer]] or list(evidence)
    return {
        "round_id": q.round_id,
        "question": int(q.q_index),
        "text": q.text,
        "primary": ranked[0],
        "layers": list(evidence),
        "evidence": evidence,
    }


def diagnose(tables: dict[str, pd.DataFrame]) -> dict:
    """Findings per question and per round, layer counts and the misrouting rate."""
    rounds, questions = tables["rounds"], tables["questions"]
    findings = question_findings(questions, tables["follow_ups"], rounds)
    per_round: dict[str, dict] = {}
    for f in findings:
        entry = per_round.setdefault(f["round_id"], {"layers": {}, "questions": []})
        entry["questions"].append(f["question"])
        for layer in f["layers"]:
            entry["layers"][layer] = entry["layers"].get(layer, 0) + 1
    outcome = rounds.set_index("id")["outcome"]
    rounds_out = [
        {
            "round_id": rid,
            "outcome": outcome.get(rid),
            "primary": max(v["layers"], key=v["layers"].get),
            "layers": v["layers"],
            "questions": v["questions"],
        }
        for rid, v in sorted(per_round.items())
    ]
    wanted = questions.dropna(subset=["mode_wanted"])
    misrouted = wanted[wanted["mode_used"] != wanted["mode_wanted"]]
    return {
        "n_questions": len(questions),
        "n_questions_with_problems": len(findings),
        "primary_counts": {layer: sum(f["primary"] == layer for f in findings) for layer in LAYERS},
        "layer_counts": {layer: sum(layer in f["layers"] for f in findings) for layer in LAYERS},
        "misrouting": {
            "n": len(wanted),
            "misrouted": len(misrouted),
            "rate": round(len(misrouted) / len(wanted), 4) if len(wanted) else None,
            "pairs": {
                f"{u}->{w}": int(c)
                for (u, w), c in misrouted.groupby(["mode_used", "mode_wanted"]).size().items()
            },
        },
        "questions": findings,
        "rounds": rounds_out,
    }
