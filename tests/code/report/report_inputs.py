"""Everything the report stage reads, computed with the pure functions from a workspace
folder (shared by the report and browser tests)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from prepops.data.workspace import load
from prepops.evaluation import headline as evaluate
from prepops.evaluation import scorecard
from prepops.monitoring.monitor import monitor
from prepops.retraining import bandit, plan
from prepops.runtime.settings import Evaluate, Monitor
from prepops.training import scoring as rehearse
from prepops.training.markers import default_phrases

HOSTILE = "<img src=x onerror=alert(1)>Evil & Co"


def rename_company(ws: Path, old: str, new: str) -> None:
    """Rename a company everywhere in a workspace (text-level, keeps the YAML valid)."""
    quoted = json.dumps(new)  # a JSON string is a valid YAML scalar
    for path in ws.rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        if f": {old}" in text:
            path.write_text(text.replace(f": {old}\n", f": {quoted}\n"), encoding="utf-8")


def inputs(ws: Path) -> dict:
    loaded = load(ws)
    assert loaded.problems == [], loaded.problems[:3]
    t = loaded.tables
    t["rehearsals"]["template_version_stamped"] = False
    # what ingest stamps on a rehearsal logged without one: the current templates' version
    t["rehearsals"]["template_version"] = t["rehearsals"]["template_version"].fillna("abc")
    records = rehearse.score_rehearsals(
        t["rehearsals"], t["experts"], t["evidence"], default_phrases()
    )
    by_version = rehearse.by_template_version(records)
    result = evaluate.evaluate(t, Evaluate())
    found = monitor(t, records, Monitor(), 4.0)
    companies = t["companies"]
    return {
        "manifest": {"template_version": "abc", "evidence_version": "def", "files": 1},
        "validation": {"data": {"contract_problems": 0, "expectations_failed": 0, "warnings": 0}},
        "metrics": evaluate.headline(
            result,
            {
                "rounds": len(t["rounds"]),
                "questions": len(t["questions"]),
                "rehearsals": len(records),
            },
            by_version,
        )
        | {"router": {"cv_accuracy": None, "cv_n": 0}},
        "calibration": result["calibration"],
        "scorecard": scorecard.build(t, 4.0),
        "diagnosis": result["diagnosis"],
        "tables": {"rounds": t["rounds"], "companies": companies},
        "rehearsals": {"by_template_version": by_version, "rehearsals": records},
        "findings": found,
        "plan": plan.build(found["findings"], companies, dt.date(2026, 11, 25)),
        "allocation": bandit.allocate(t["rounds"], companies, 10, 0),
    }
