"""benchmarks/outside_words.py --answers: a labelled answers file kept outside the repository
is scored as a real process; an absent file is skipped, one inside the repository refused."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

# written here for the test; "c" is labelled stop on purpose (no closing is there), so the
# scorer must report it as a miss
ROWS = [
    {
        "id": "a",
        "text": "I'll assume traffic doubles. The main constraint is a 200 ms p99. My decision is "
        "a read-through cache because reads dominate; the main risk is stale prices, and my "
        "first verification step is a canary at 5 % with an alert on the error rate.",
        "markers": ["assumption", "constraint", "numeric", "robustness", "stop"],
        "fillers": 0,
    },
    {
        "id": "b",
        "text": "Um, so, you know, we basically just fixed it and it was fine.",
        "markers": [],
        "fillers": 3,
    },
    {"id": "c", "text": "We shipped it in two sprints.", "markers": ["numeric", "stop"]},
]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "benchmarks/outside_words.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def test_answers_file_figures_are_consistent(tmp_path: Path) -> None:
    answers, out = tmp_path / "answers.jsonl", tmp_path / "report.json"
    answers.write_text("".join(json.dumps({**r, "repo": "x", "path": "y"}) + "\n" for r in ROWS))
    done = _run("--answers", str(answers), "--out", str(out), "--label", "heldout")
    assert done.returncode == 0, done.stderr
    run = json.loads(out.read_text())["heldout"]["answers_file"]
    figs = run["markers"]
    labelled = sum(len(r["markers"]) for r in ROWS)
    assert figs["all"]["tp"] + figs["all"]["fn"] == labelled
    assert figs["stop_recall"]["n"] == 2 and 0 <= figs["stop_recall"]["k"] <= 2
    assert figs["stop_recall"]["k"] == figs["stop"]["tp"]
    assert run["fillers"]["n"] == 2 and run["fillers"]["within_one"] <= 2
    # every miss names a labelled type, every extra an unlabelled one; no text is written
    by_id = {r["id"]: set(r["markers"]) for r in ROWS}
    for row in run["misses"]:
        assert set(row["missed"]) <= by_id[row["id"]]
        assert not set(row["extra"]) & by_id[row["id"]]
    assert "fixed it" not in out.read_text()
    missed_c = next((r["missed"] for r in run["misses"] if r["id"] == "c"), [])
    assert "stop" in missed_c


def test_absent_answers_file_is_skipped(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    done = _run("--answers", str(tmp_path / "missing.jsonl"), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "skipped" in done.stdout
    assert "answers_file" not in json.dumps(json.loads(out.read_text()))


def test_answers_file_inside_the_repository_is_refused(tmp_path: Path) -> None:
    inside = ROOT / "tests" / "data" / "transcripts.yaml"  # exists; any path in the repo
    done = _run("--answers", str(inside), "--out", str(tmp_path / "report.json"))
    assert done.returncode != 0
    assert "outside the repository" in done.stderr
