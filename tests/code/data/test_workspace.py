"""Every rule of the data contract has a failing example whose message is asserted.

Each case breaks one thing in a copy of the demo workspace and expects exactly the
`<file>:<line>: <field>: <rule>` line the user will read (the line where the field is
written; none for a field that is missing).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from prepops.data.workspace import load
from tests.code.data.lines import at_line
from tests.conftest import CANARY, edit, problem_lines

R = "rounds/helix-incident-2026-10-28.yaml"
H = "rehearsals/2026-11-03-debugging-07.yaml"
E = "evidence/checkout-latency.yaml"
C = "companies/helix.yaml"
B = "templates/backbone.yaml"
X = "templates/experts/debugging.yaml"
TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()


def setq(key, value, q=0):
    return lambda d: d["questions"][q].__setitem__(key, value)


def drop(key):
    return lambda d: d.pop(key)


def put(key, value):
    return lambda d: d.__setitem__(key, value)


def put_in(outer, key, value):
    return lambda d: d.setdefault(outer, {}).__setitem__(key, value)


CASES = [
    # rounds: required fields and per-field rules
    (R, drop("id"), f"{R}: id: required field is missing"),
    (R, put("id", "Bad_ID"), f"{R}: id: must be a slug"),
    (R, put("id", "ab"), f"{R}: id: must be a slug"),
    (R, put("id", "../../etc/passwd"), f"{R}: id: must be a slug"),
    (H, put("id", "/tmp/x"), f"{H}: id: must be a slug"),
    (R, drop("company"), f"{R}: company: required field is missing"),
    (
        R,
        put("company", "Helix"),
        f"{R}: company: must match the `company` of a card in companies/; did you mean 'Helix Robotics'? (got 'Helix')",
    ),
    (R, drop("date"), f"{R}: date: required field is missing"),
    (
        R,
        put("date", "2026-02-30"),
        f"{R}: date: must be a real date written YYYY-MM-DD (got '2026-02-30')",
    ),
    (R, put("date", "28/10/2026"), f"{R}: date: must be a real date written YYYY-MM-DD"),
    (R, put("date", TOMORROW), f"{R}: date: must not be in the future (got '{TOMORROW}')"),
    (R, drop("stage"), f"{R}: stage: required field is missing"),
    (R, put("stage", "incidnet"), f"{R}: stage: must be one of: recruiter_screen"),
    (R, put("stage", "incidnet"), "did you mean 'incident'? (got 'incidnet')"),
    (R, put("duration_min", 4), f"{R}: duration_min: must be >= 5 (got 4)"),
    (R, put("duration_min", 601), f"{R}: duration_min: must be <= 600 (got 601)"),
    (R, put("duration_min", 45.5), f"{R}: duration_min: must be an integer"),
    (R, drop("confidence"), f"{R}: confidence: required field is missing"),
    (R, put("confidence", 1.2), f"{R}: confidence: must be <= 1 (got 1.2)"),
    (R, put("confidence", -0.1), f"{R}: confidence: must be >= 0 (got -0.1)"),
    (R, put("confidence", "high"), f"{R}: confidence: must be a number (got 'high')"),
    (R, put("confidence", True), f"{R}: confidence: must be a number"),
    (R, drop("outcome"), f"{R}: outcome: required field is missing"),
    (
        R,
        put("outcome", "passed"),
        f"{R}: outcome: must be one of: advanced, offer, downleveled, rejected, pending, withdrawn",
    ),
    (R, put("interviewer", ["a", "b"]), f"{R}: interviewer: must be text (got <redacted>)"),
    (R, put("interviewer_id", "x" * 41), f"{R}: interviewer_id: must be at most 40 characters"),
    (R, put("ai_assist", "sometimes"), f"{R}: ai_assist: must be true or false"),
    (R, put_in("rubric", "correctness", 6), f"{R}: rubric.correctness: must be <= 5 (got 6)"),
    (R, put_in("rubric", "correctness", 0), f"{R}: rubric.correctness: must be >= 1 (got 0)"),
    (R, put_in("rubric", "charisma", 3), f"{R}: rubric.charisma: unknown field"),
    (R, put("rubric", [3, 4]), f"{R}: rubric: must be a map of fields"),
    (R, put_in("signals", "rescues", -1), f"{R}: signals.rescues: must be >= 0 (got -1)"),
    (
        R,
        put_in("signals", "resuces", 1),
        f"{R}: signals.resuces: unknown field; did you mean 'rescues'?",
    ),
    (
        R,
        put("feedback", ["too long!"]),
        f"{R}: feedback: each tag must be lowercase kebab-case, e.g. too-long (got 'too-long!')",
    ),
    (R, put("feedback", "too-long"), f"{R}: feedback: must be a list (got 'too-long')"),
    (R, put("questions", {"text": "x"}), f"{R}: questions: must be a list (got a map)"),
    (R, put("outcomes", "advanced"), f"{R}: outcomes: unknown field; did you mean 'outcome'?"),
    # rounds: question entries
    (
        R,
        lambda d: d["questions"][0].pop("text"),
        f"{R}: questions[0].text: required field is missing",
    ),
    (
        R,
        lambda d: d["questions"][0].pop("mode_used"),
        f"{R}: questions[0].mode_used: required field is missing",
    ),
    (
        R,
        setq("mode_used", "debuging"),
        f"{R}: questions[0].mode_used: must be one of: debugging, architecture, leadership, product, research; did you mean 'debugging'?",
    ),
    (R, setq("mode_wanted", "sales"), f"{R}: questions[0].mode_wanted: must be one of:"),
    (R, setq("first_answer_s", -3), f"{R}: questions[0].first_answer_s: must be >= 0 (got -3)"),
    (
        R,
        setq("evidence", ["no-such-story"]),
        f"{R}: questions[0].evidence[0]: evidence id does not exist in evidence/ (got 'no-such-story')",
    ),
    (
        R,
        setq("markers", ["restatment"]),
        f"{R}: questions[0].markers: each item must be one of: role, restatement",
    ),
    (R, setq("markers", ["restatment"]), "did you mean 'restatement'? (got 'restatment')"),
    (R, setq("rescued", "maybe"), f"{R}: questions[0].rescued: must be true or false"),
    (
        R,
        setq("follow_ups", [{"kind": "hostile"}]),
        f"{R}: questions[0].follow_ups[0].kind: must be one of: exploratory, corrective, clarifying, adversarial",
    ),
    (
        R,
        setq("follow_ups", [{"text": "why?"}]),
        f"{R}: questions[0].follow_ups[0].kind: required field is missing",
    ),
    (R, setq("follow_ups", ["why?"]), f"{R}: questions[0].follow_ups[0]: must be a map of fields"),
    (R, setq("answer", "x"), f"{R}: questions[0].answer: unknown field"),
    # rehearsals
    (H, put("id", "Rehearsal 7"), f"{H}: id: must be a slug"),
    (H, drop("question"), f"{H}: question: required field is missing"),
    (
        H,
        put("mode", "coding"),
        f"{H}: mode: must be one of: debugging, architecture, leadership, product, research",
    ),
    (
        H,
        put("company", "Nowhere Inc"),
        f"{H}: company: must match the `company` of a card in companies/",
    ),
    (H, put("duration_s", 0), f"{H}: duration_s: must be > 0 (got 0)"),
    (H, put("transcript", "   "), f"{H}: transcript: must not be empty"),
    (H, drop("transcript"), f"{H}: transcript: required field is missing"),
    (H, put("self_score", 6), f"{H}: self_score: must be <= 5 (got 6)"),
    (H, put("date", TOMORROW), f"{H}: date: must not be in the future"),
    # evidence
    (E, drop("story"), f"{E}: story: required field is missing"),
    (E, drop("failure_mode"), f"{E}: failure_mode: required field is missing"),
    (E, drop("metric"), f"{E}: metric.name: required field is missing"),
    (E, lambda d: d["metric"].pop("unit"), f"{E}: metric.unit: required field is missing"),
    (
        E,
        lambda d: d["metric"].__setitem__("value", "fast"),
        f"{E}: metric.value: must be a number (got 'fast')",
    ),
    (E, lambda d: d["metric"].__setitem__("delta", 3), f"{E}: metric.delta: unknown field"),
    (E, put("modes", []), f"{E}: modes: must be a non-empty list"),
    (E, put("modes", ["debugging", "ops"]), f"{E}: modes: each item must be one of: debugging"),
    (E, put("year", 1969), f"{E}: year: must be >= 1970 (got 1969)"),
    (E, put("year", dt.date.today().year + 1), f"{E}: year: must be <= {dt.date.today().year}"),
    # companies
    (C, put("status", "ghosted"), f"{C}: status: must be one of: active, paused, closed, offer"),
    (C, put("primary_mode", "coding"), f"{C}: primary_mode: must be one of:"),
    (C, put("rewards", ["charm"]), f"{C}: rewards: each item must be one of: correctness"),
    (C, put("focus", ["onsite"]), f"{C}: focus: each item must be one of: recruiter_screen"),
    (
        C,
        put("stories", ["ghost-story"]),
        f"{C}: stories[0]: evidence id does not exist in evidence/ (got 'ghost-story')",
    ),
    (C, put_in("value", "excitement", 9), f"{C}: value.excitement: must be <= 5 (got 9)"),
    (C, put_in("value", "comp_k", "lots"), f"{C}: value.comp_k: must be an integer (got 'lots')"),
    (C, put("next_round", "next week"), f"{C}: next_round: must be a real date written YYYY-MM-DD"),
    (C, drop("role"), f"{C}: role: required field is missing"),
    # templates
    (
        B,
        put("intro", "word " * 181),
        f"{B}: intro: must be at most 180 words (about one minute spoken) (got 181 words)",
    ),
    (B, drop("method"), f"{B}: method: required field is missing"),
    (B, put("method", []), f"{B}: method: must be a non-empty list"),
    (X, put("mode", "debug"), f"{X}: mode: must be one of:"),
    (X, put("cues", []), f"{X}: cues: must be a non-empty list"),
    (X, drop("segments"), f"{X}: segments: required field is missing"),
    (
        X,
        put("stories", ["nope-story"]),
        f"{X}: stories[0]: evidence id does not exist in evidence/",
    ),
    (X, put("tone", "calm"), f"{X}: tone: unknown field"),
    # facts never change: a template quoting an evidence id with another number
    (
        X,
        put("closing", "In checkout-latency p99 fell to 150 ms."),
        f"{X}: closing: facts never change: checkout-latency says checkout p99 latency is 180 ms (baseline 900) (got 150 ms)",
    ),
    (
        B,
        put("principles", ["pricing-page-launch lifted signups 25 %"]),
        f"{B}: principles[0]: facts never change: pricing-page-launch says trial signup lift is 18 %",
    ),
]


@pytest.mark.parametrize(("rel", "change", "expected"), CASES, ids=[c[2][:70] for c in CASES])
def test_each_rule_fails_with_its_message(demo_ws: Path, rel, change, expected) -> None:
    edit(demo_ws, rel, change)
    expected = at_line(demo_ws, expected)
    lines = problem_lines(demo_ws)
    assert any(expected in line for line in lines), "\n".join(lines)


def test_demo_workspace_is_valid(demo_ws: Path) -> None:
    assert problem_lines(demo_ws) == []


def test_facts_rule_accepts_value_and_baseline(demo_ws: Path) -> None:
    edit(demo_ws, X, put("closing", "checkout-latency: from 900 ms down to 180 ms."))
    assert problem_lines(demo_ws) == []


def test_all_problems_reported_at_once(demo_ws: Path) -> None:
    edit(demo_ws, R, lambda d: d.update(stage="x", confidence=3))
    edit(demo_ws, H, put("mode", "y"))
    edit(demo_ws, E, put("year", 1900))
    files = {line.split(":")[0] for line in problem_lines(demo_ws)}
    assert {R, H, E} <= files


def test_duplicate_ids_name_both_files(demo_ws: Path) -> None:
    other = "rounds/helix-coding-2026-10-28.yaml"
    edit(demo_ws, other, put("id", "helix-incident-2026-10-28"))
    lines = problem_lines(demo_ws)
    for rel in (R, other):
        rule = f"{rel}: id: must be unique across rounds (got 'helix-incident-2026-10-28')"
        assert at_line(demo_ws, rule) in lines


def test_duplicate_company_cards(demo_ws: Path) -> None:
    edit(demo_ws, "companies/lumen.yaml", put("company", "Helix Robotics"))
    rule = "companies/lumen.yaml: company: must be unique across companies (got 'Helix Robotics')"
    assert at_line(demo_ws, rule) in problem_lines(demo_ws)


def test_missing_expert_card_and_backbone(demo_ws: Path) -> None:
    (demo_ws / X).unlink()
    (demo_ws / B).unlink()
    lines = problem_lines(demo_ws)
    assert f"{X}: (file): missing: a workspace needs exactly one expert card per mode" in lines
    assert f"{B}: (file): missing: a workspace needs a backbone" in lines


def test_expert_file_name_must_be_its_mode(demo_ws: Path) -> None:
    (demo_ws / X).rename(demo_ws / "templates/experts/debug.yaml")
    lines = problem_lines(demo_ws)
    rule = (
        "templates/experts/debug.yaml: mode: file name must be the mode: "
        "templates/experts/debugging.yaml (got 'debugging')"
    )
    assert at_line(demo_ws, rule) in lines


def test_feedback_tags_are_normalized(demo_ws: Path) -> None:
    edit(demo_ws, R, put("feedback", ["Too Long", "No_Metrics"]))
    ws = load(demo_ws)
    assert ws.ok
    row = ws.tables["rounds"].set_index("id").loc["helix-incident-2026-10-28"]
    assert list(row["feedback"]) == ["too-long", "no-metrics"]


def test_dates_quoted_or_not(demo_ws: Path) -> None:
    path = demo_ws / R
    text = path.read_text().replace("date: 2026-10-28", "date: '2026-10-28'")
    path.write_text(text)
    assert problem_lines(demo_ws) == []


def test_sensitive_fields_never_reach_tables_or_messages(demo_ws: Path) -> None:
    edit(demo_ws, R, lambda d: d.update(interviewer=CANARY, notes=CANARY, stage="bad"))
    edit(demo_ws, H, put("company", CANARY[:0] + "Nope"))
    ws = load(demo_ws)
    assert all(CANARY not in str(p) for p in ws.problems)
    for frame in ws.tables.values():
        assert CANARY not in frame.to_string()
        assert not {"interviewer", "notes"} & set(frame.columns)


def test_quarantine_leaves_bad_files_out(demo_ws: Path) -> None:
    edit(demo_ws, R, put("confidence", 7))
    ws = load(demo_ws, quarantine=True)
    assert ws.quarantined == [R]
    assert "helix-incident-2026-10-28" not in set(ws.tables["rounds"]["id"])
    assert "helix-incident-2026-10-28" not in set(ws.tables["questions"]["round_id"])
    assert len(ws.tables["rounds"]) == len(list((demo_ws / "rounds").glob("*.yaml"))) - 1


def test_raw_files_are_never_modified(demo_ws: Path) -> None:
    before = {p: p.read_bytes() for p in demo_ws.rglob("*") if p.is_file()}
    load(demo_ws)
    assert before == {p: p.read_bytes() for p in demo_ws.rglob("*") if p.is_file()}


def test_file_size_limit(demo_ws: Path) -> None:
    lines = problem_lines(demo_ws, max_file_bytes=200)
    assert f"{R}: (file): file is larger than the 200-byte limit" in "\n".join(lines)


def test_a_list_inside_a_reference_list_is_a_problem_not_a_crash(demo_ws) -> None:
    """Found by the fuzz test: `stories: [[]]` crashed the reference check."""

    edit(demo_ws, "templates/experts/architecture.yaml", lambda d: d.update(stories=[[]]))
    lines = problem_lines(demo_ws)
    assert lines and all("architecture.yaml" in line for line in lines)
    assert any("stories" in line for line in lines)


def test_the_year_limit_is_read_when_checking_not_at_import() -> None:
    """A runner started in December still checks January's workspace against the new year."""
    from prepops.data.schemas import SCHEMAS, not_after_year

    checks = SCHEMAS["evidence"].to_schema().columns["year"].checks
    assert {c.name: c.statistics for c in checks}["not_after_year"] == {"year": "this"}
    assert not_after_year(2026, year="2026") and not not_after_year(2027, year="2026")
