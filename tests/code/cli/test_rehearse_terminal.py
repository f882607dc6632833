"""`prepops rehearse` at a real terminal: prompts in order, $EDITOR, and failures after timing
that leave the answer on disk (a pseudo-terminal, a real editor process, a real Ctrl-C)."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from prepops.cli.app import app
from prepops.data.workspace import load
from tests.code.cli.conftest import make_project
from tests.code.cli.terminal import Terminal, prepops
from tests.conftest import DEMO

ANSWER = "So the question is what ships first.\nThe constraint is one quarter.\nThat's my answer."
# click runs `$EDITOR <file>`: the file comes last
EDITOR = """import sys
with open(sys.argv[-1], "a", encoding="utf-8") as f:
    f.write(sys.argv[1].replace("|", "\\n") + "\\n")
sys.exit(int(sys.argv[2]))
"""


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo workspace in a project of its own (PREPOPS_ROOT points at it)."""
    shutil.copytree(DEMO, tmp_path / "data", ignore=shutil.ignore_patterns("processed"))
    return make_project(tmp_path, monkeypatch) / "data"


def _terminal(ws: Path, tmp_path: Path, editor_exit: int = 0) -> Terminal:
    """`prepops rehearse` in a pseudo-terminal; $EDITOR appends ANSWER and exits `editor_exit`."""
    script = tmp_path / "editor.py"
    script.write_text(EDITOR)
    editor = [sys.executable, str(script), ANSWER.replace("\n", "|"), str(editor_exit)]
    env = {k: v for k, v in os.environ.items() if k != "VISUAL"}
    env |= {"EDITOR": shlex.join(editor), "TERM": "dumb", "NO_COLOR": "1"}
    return Terminal(prepops("rehearse", "--no-track"), env, str(tmp_path))


def _until_the_editor(term: Terminal, company: str = "\n") -> None:
    """Company, question, the router's mode, then two presses of Enter around the answer."""
    term.expect("Company (")
    term.send(company)
    term.expect("Question")
    term.send("Which of the clinicians' asks go first?\n")
    term.expect("Mode (")
    term.send("\n")
    term.expect("Press Enter to start answering")
    term.send("\n")
    term.expect("Press Enter when you stop")
    time.sleep(0.3)  # the answer is spoken
    term.send("\n")


def _drafts(ws: Path) -> list[Path]:
    return sorted((ws / "drafts").glob("*")) if (ws / "drafts").exists() else []


def test_the_whole_interactive_path_writes_a_valid_rehearsal(ws: Path, tmp_path: Path) -> None:
    term = _terminal(ws, tmp_path)
    _until_the_editor(term, "lumen health\n")
    term.expect("Self-score 1..5")
    term.send("6\n")
    term.expect("a whole number from 1 to 5")
    term.send("4\n")
    assert term.wait() == 0, term.seen
    (written,) = sorted((ws / "rehearsals").glob("*-01.yaml"))[-1:]
    text = written.read_text()
    doc = yaml.safe_load(text)
    assert doc["company"] == "Lumen Health" and doc["self_score"] == 4
    assert doc["transcript"] == ANSWER and "transcript: |" in text
    assert doc["duration_s"] >= 0.3
    assert f"wrote {written}" in term.seen and "coverage" in term.seen
    assert load(ws).problems == []
    assert _drafts(ws) == []


def test_an_editor_that_fails_after_timing_leaves_the_answer_on_disk(
    ws: Path, tmp_path: Path
) -> None:
    before = sorted((ws / "rehearsals").glob("*.yaml"))
    term = _terminal(ws, tmp_path, editor_exit=1)
    _until_the_editor(term)
    assert term.wait() == 1, term.seen
    assert sorted((ws / "rehearsals").glob("*.yaml")) == before
    answer, draft = _drafts(ws)
    assert (answer.suffix, draft.suffix) == (".txt", ".yaml")
    assert f"kept in {draft}" in term.seen and "Editing failed" in term.seen
    assert "Traceback" not in term.seen
    kept = yaml.safe_load(draft.read_text())
    assert kept["question"] == "Which of the clinicians' asks go first?"
    assert kept["duration_s"] >= 0.3
    assert ANSWER in answer.read_text()
    # resuming takes the text the editor saved; nothing is asked again
    result = CliRunner().invoke(app, ["rehearse", "--no-track", "--resume", str(draft)])
    assert result.exit_code == 0, result.output
    (written,) = sorted(set((ws / "rehearsals").glob("*.yaml")) - set(before))
    doc = yaml.safe_load(written.read_text())
    assert (doc["transcript"], doc["duration_s"]) == (ANSWER, kept["duration_s"])
    assert _drafts(ws) == []


def test_ctrl_c_at_the_self_score_keeps_the_transcript(ws: Path, tmp_path: Path) -> None:
    before = sorted((ws / "rehearsals").glob("*.yaml"))
    term = _terminal(ws, tmp_path)
    _until_the_editor(term)
    term.expect("Self-score 1..5")
    term.interrupt()
    assert term.wait() != 0, term.seen
    assert sorted((ws / "rehearsals").glob("*.yaml")) == before
    draft = next(p for p in _drafts(ws) if p.suffix == ".yaml")
    assert f"kept in {draft}" in term.seen and "Traceback" not in term.seen
    kept = yaml.safe_load(draft.read_text())
    assert kept["transcript"] == ANSWER and "transcript: |" in draft.read_text()


def test_ctrl_c_in_prepops_log_is_one_line_not_a_traceback(ws: Path, tmp_path: Path) -> None:
    # `prepops log` prompts through click (not typer's vendored copy): its Abort must still be
    # the CLI's "Aborted", never a traceback panel
    before = sorted((ws / "rounds").glob("*.yaml"))
    term = Terminal(prepops("log"), dict(os.environ, TERM="dumb"), str(tmp_path))
    term.expect("Company (")
    term.interrupt()
    assert term.wait() == 1, term.seen
    assert "Aborted" in term.seen and "Traceback" not in term.seen
    assert sorted((ws / "rounds").glob("*.yaml")) == before
