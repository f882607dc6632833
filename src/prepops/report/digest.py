"""The report's tables in words: the scorecard with the n behind each figure, the
per-question diagnosis, and the checks that wait for data collapsed into one line saying
what data would unlock them. Pure: stage outputs in, plain rows and strings out."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from prepops.evaluation.diagnosis import LAYERS
from prepops.report.week import as_day

DIAGNOSIS_ROWS = 30  # newest first; the rest are counted, and diagnosis.json has them all
# What a check counts, by the start of its subject (monitoring's `insufficient` findings)
UNITS = (
    ("calibration", "round(s) with a known outcome"),
    ("distribution shift", "round(s)"),
    ("misrouting", "question(s) with the wanted mode logged"),
    ("threshold", "round(s) you read as strong with a known outcome"),
    ("interference", "heavy round(s) sharing a day with another"),
    ("forgetting", "rehearsal(s) between rounds"),
    ("temporal drift", "rehearsal(s)"),
)


def _num(value: object, digits: int = 2) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def _row(measure: str, value: object, n: object, note: str = "") -> dict:
    shown = _num(value)
    return {
        "measure": measure,
        "value": shown if shown is not None else "insufficient data",
        "n": n if n is not None else 0,
        "note": note,
        "known": shown is not None,
    }


def scorecard_rows(scorecard: dict) -> list[dict]:
    """The scorecard's headline figures, each with its n (None shown as insufficient data)."""
    loss = scorecard["loss_proxy"]["overall"]
    rob = scorecard["robustness"]
    rescue = rob["rescue_rate_after_adversarial"]
    first = scorecard["latency"]["first_answer_s"]
    days = scorecard["variance_across_days"]
    strong = scorecard["decision_threshold"]
    ci = rescue.get("ci")
    rows = [
        _row(
            "signals lost per round (clarifications, rescues, shifts, corrections)",
            loss.get("mean"),
            loss["n"],
            "lower is better",
        ),
        _row(
            "share of follow-ups that were corrective",
            rob.get("corrective_share"),
            rob["follow_ups"]["n"],
        ),
        _row(
            "rescued after an adversarial follow-up",
            rescue.get("rate"),
            rescue["n"],
            f"95% {ci[0]:.2f}-{ci[1]:.2f}" if ci and rescue["n"] else "",
        ),
        _row(
            "seconds to a coherent first answer (median)",
            first.get("median"),
            first["n"],
            f"middle half {first['q25']}-{first['q75']} s" if first.get("q25") is not None else "",
        ),
        _row(
            "spread of daily performance (std of rubric means)",
            days.get("std_of_daily_performance"),
            days["n_days"],
            "days with a rubric",
        ),
        _row(
            "rounds read as strong but rejected",
            strong["rejected_anyway"] if strong["n_strong"] else None,
            strong["n_strong"],
            f"rubric mean >= {strong['strong_rubric']} with a known outcome",
        ),
    ]
    return rows + rubric_rows(scorecard["rubric_coverage"])


def rubric_rows(coverage: dict) -> list[dict]:
    """One row per rubric dimension that was scored at least once."""
    return [
        _row(
            f"rubric: {dim} (mean of 1-5)",
            stat.get("mean"),
            stat["n"],
            f"scored in {stat['scored_share']:.0%} of rounds",
        )
        for dim, stat in coverage.items()
        if isinstance(stat, dict) and stat.get("n")
    ]


def diagnosis_rows(diagnosis: dict, rounds: pd.DataFrame) -> dict:
    """The diagnosed questions, newest round first, with the layer and the evidence."""
    info = rounds.set_index("id")[["company", "date"]].to_dict("index") if len(rounds) else {}
    rows = []
    for q in diagnosis.get("questions", []):
        where = info.get(q["round_id"], {})
        day = as_day(where.get("date"))
        rows.append(
            {
                "round_id": q["round_id"],
                "company": where.get("company"),
                "date": day.isoformat() if day else None,
                "text": q["text"],
                "primary": q["primary"],
                "lead": "; ".join(q["evidence"].get(q["primary"], [])),
                "other": "; ".join(
                    e
                    for layer in q["layers"]
                    if layer != q["primary"]
                    for e in q["evidence"][layer]
                ),
            }
        )
    rows.sort(key=lambda r: (r["date"] or "", r["round_id"]), reverse=True)
    return {
        "rows": rows[:DIAGNOSIS_ROWS],
        "total": len(rows),
        "n_questions": diagnosis.get("n_questions", 0),
        # in the layers' own order (a question read, routed, answered): JSON sorts the keys
        "primary_counts": {k: diagnosis.get("primary_counts", {}).get(k, 0) for k in LAYERS},
    }


def _unit(subject: str) -> tuple[str, str]:
    """(check, what it counts) for an insufficient-data subject like 'calibration: X'."""
    check = subject.split(":", 1)[0].strip()
    for prefix, unit in UNITS:
        if check.startswith(prefix):
            return check, unit
    return check, "case(s) of the kind it counts"


def waiting_line(findings: Iterable[dict], min_n: int) -> str | None:
    """The insufficient-data checks as one line: check, then N more of what, where."""
    by_check: dict[tuple[str, str], list[tuple[int, str | None]]] = {}
    for f in findings:
        if f["kind"] == "insufficient_data":
            more = max(min_n - int(f["evidence"]["n"]), 1)
            by_check.setdefault(_unit(f["subject"]), []).append((more, f.get("company")))
    if not by_check:
        return None
    parts = []
    for (check, unit), needs in by_check.items():
        if all(company is None for _, company in needs):
            parts.append(f"{check}: {max(n for n, _ in needs)} more {unit}")
        else:
            where = ", ".join(f"{n} at {c}" if c else f"{n} overall" for n, c in needs)
            parts.append(f"{check}: more {unit} ({where})")
    count = sum(len(needs) for needs in by_check.values())
    return f"{count} check(s) wait for data (each needs n >= {min_n}): " + "; ".join(parts) + "."


def noise_line(findings: Iterable[dict]) -> str | None:
    """Feedback heard at one company only, as one line (not acted on)."""
    local = [f for f in findings if f["kind"] == "local_noise"]
    if not local:
        return None
    tags = ", ".join(f"'{f['subject']}' ({f['company']}, {f['evidence']['n']})" for f in local)
    return f"Heard at one company only, likely local noise (not acted on): {tags}."


def tested(findings: Iterable[dict]) -> list[dict]:
    """The findings shown as rows: every one but the collapsed info lines."""
    return [f for f in findings if f["kind"] not in ("insufficient_data", "local_noise")]
