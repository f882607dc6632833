"""The retraining plan: every patch answers a finding, every high/medium finding is
answered, fundamentals first, company fine-tuning before its next round."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from prepops.retraining import plan

COMPANIES = pd.DataFrame(
    [
        {
            "company": "Helix",
            "file": "companies/helix.yaml",
            "next_round": pd.Timestamp("2026-12-10"),
        },
        {"company": "Lumen", "file": "companies/lumen.yaml", "next_round": pd.NaT},
    ]
)


def finding(fid: str, kind: str, severity: str, company: str | None = None, **extra) -> dict:
    return {
        "id": fid,
        "kind": kind,
        "severity": severity,
        "subject": extra.pop("subject", fid),
        "company": company,
        "evidence": {"n": 8, "statistic": extra.pop("statistic", {})},
        **({"context": extra} if extra else {}),
    }


FINDINGS = [
    finding("over-helix", "overconfidence", "high", "Helix"),
    finding(
        "shift-helix",
        "distribution_shift",
        "medium",
        "Helix",
        statistic={"feature": "wanted-mode mix"},
        top=["debugging"],
        others_top=["product"],
    ),
    finding("too-long", "consensus_feedback", "medium", subject="too-long"),
    finding("rambling", "consensus_feedback", "medium", subject="rambling"),
    finding("misroute", "misrouting", "medium", wanted_modes=["debugging"]),
    finding("drift-watch", "temporal_drift", "watch"),
    finding("few", "insufficient_data", "info"),
]
AS_OF = dt.date(2026, 12, 1)


def test_every_patch_has_a_finding_and_every_actionable_finding_a_patch() -> None:
    out = plan.build(FINDINGS, COMPANIES, AS_OF)
    answered = {f for p in out["patches"] for f in p["findings"]}
    assert answered == {f["id"] for f in FINDINGS if f["severity"] in ("high", "medium")}
    assert all(p["findings"] for p in out["patches"])
    fields = {"id", "layer", "target", "action", "drill", "findings", "priority", "due", "company"}
    assert all(fields <= set(p) for p in out["patches"])


def test_smallest_set_merges_findings_with_one_fix() -> None:
    out = plan.build(FINDINGS, COMPANIES, AS_OF)
    backbone = [
        p
        for p in out["patches"]
        if p["target"] == "templates/backbone.yaml" and p["layer"] == "decoding"
    ]
    assert len(backbone) == 1 and set(backbone[0]["findings"]) == {"too-long", "rambling"}
    assert len(out["patches"]) == 4  # 5 actionable findings, 4 distinct fixes


def test_curriculum_fundamentals_first_company_before_its_round() -> None:
    out = plan.build(FINDINGS, COMPANIES, AS_OF)
    general = [p for p in out["patches"] if p["company"] is None]
    helix = [p for p in out["patches"] if p["company"] == "Helix"]
    assert max(p["due"] for p in general) < min(p["due"] for p in helix)
    assert all(p["due"] < "2026-12-10" and p["next_round"] == "2026-12-10" for p in helix)
    assert all(p["due"] > AS_OF.isoformat() for p in out["patches"])
    assert [p for p in helix if p["priority"] == "high"]


def test_no_actionable_finding_no_patch_and_markdown_says_so() -> None:
    out = plan.build([f for f in FINDINGS if f["severity"] in ("watch", "info")], COMPANIES, AS_OF)
    assert out["patches"] == []
    text = plan.markdown(out, {"hours_budget": 10, "loops": [], "no_hours": {}})
    assert "nothing to patch" in text


def test_watch_findings_get_no_patch_but_are_listed_as_things_to_observe() -> None:
    out = plan.build(FINDINGS, COMPANIES, AS_OF)
    assert not any("drift-watch" in p["findings"] for p in out["patches"])
    (watch,) = out["watch"]
    assert watch["finding"] == "drift-watch" and "prepops score" in watch["observe"]
    text = plan.markdown(out, {"hours_budget": 10, "loops": [], "no_hours": {}})
    assert "To observe" in text and "drift-watch" in text


def test_markdown_cells_cannot_break_the_table() -> None:
    out = plan.build(
        FINDINGS[:1],
        pd.DataFrame([{"company": "Helix", "file": "a|b.yaml", "next_round": pd.NaT}]),
        AS_OF,
    )
    text = plan.markdown(out, {"hours_budget": 1, "loops": [], "no_hours": {}})
    assert "a\\|b.yaml" in text


def test_plan_without_a_date_is_as_of_today() -> None:
    assert plan.build(FINDINGS, COMPANIES)["as_of"] == dt.date.today().isoformat()
    assert plan.build(FINDINGS, COMPANIES, None) == plan.build(FINDINGS, COMPANIES, dt.date.today())
