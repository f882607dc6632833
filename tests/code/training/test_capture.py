"""`prepops rehearse`: a valid, stamped file that never overwrites, and a logged run."""

from __future__ import annotations

import datetime as dt
import shlex
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from prepops.cli.app import app
from prepops.data.workspace import load
from prepops.features.versioning import versions
from prepops.training import capture

ANSWER = "So the question is what ships first. The constraint is one quarter. That's my answer."


def test_build_stamps_the_current_template_version(demo_ws: Path) -> None:
    doc, problems = capture.build(
        demo_ws,
        "What ships first?",
        "product",
        ANSWER,
        20,
        "Lumen Health",
        3,
        dt.date(2026, 11, 24),
    )
    assert problems == []
    assert doc["id"] == "2026-11-24-product-01"
    assert doc["template_version"] == versions(demo_ws)["template_version"]
    path = capture.write(demo_ws, doc)
    assert load(demo_ws).problems == []
    assert capture.next_id(demo_ws, dt.date(2026, 11, 24), "product") == "2026-11-24-product-02"
    with pytest.raises(FileExistsError):
        capture.write(demo_ws, doc)
    assert yaml.safe_load(path.read_text())["transcript"] == ANSWER


def test_build_reports_bad_values(demo_ws: Path) -> None:
    _, problems = capture.build(demo_ws, "Q?", "product", "   ", 20, "Nobody Inc")
    lines = [str(p) for p in problems]
    assert any(line.endswith("transcript: must not be empty (got '')") for line in lines)
    assert any("company: must match" in line for line in lines)


def test_cli_rehearse_from_flags_writes_scores_and_logs(
    demo_ws: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'm.db'}")
    transcript = tmp_path / "answer.txt"
    transcript.write_text(ANSWER)
    args = [
        "rehearse",
        "--question",
        "What ships first?",
        "--mode",
        "product",
        "--company",
        "Lumen Health",
        "--transcript",
        str(transcript),
        "--duration-s",
        "20",
        "--workspace",
        str(demo_ws),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "coverage: 0.4286" in result.output
    assert "'logged': 1" in result.output
    written = sorted((demo_ws / "rehearsals").glob(f"{dt.date.today().isoformat()}-product-*.yaml"))
    assert len(written) == 1


def test_cli_rehearse_interactive_prompts_and_timing(demo_ws: Path, tmp_path: Path) -> None:
    transcript = tmp_path / "answer.txt"
    transcript.write_text(ANSWER)
    args = ["rehearse", "--transcript", str(transcript), "--workspace", str(demo_ws), "--no-track"]
    # question, a mode typo re-asked, then Enter to start and Enter to stop the clock
    result = CliRunner().invoke(app, args, input="What ships first?\nprodcut\nproduct\n\n\n")
    assert result.exit_code == 0, result.output
    written = sorted((demo_ws / "rehearsals").glob(f"{dt.date.today().isoformat()}-product-*.yaml"))
    doc = yaml.safe_load(written[-1].read_text())
    assert doc["question"] == "What ships first?"
    assert 0 < doc["duration_s"] < 60
    assert result.output.count("Mode (") == 2


def test_cli_rehearse_offers_the_routers_mode(demo_ws: Path, tmp_path: Path) -> None:
    transcript = tmp_path / "answer.txt"
    transcript.write_text(ANSWER)
    args = ["rehearse", "--transcript", str(transcript), "--workspace", str(demo_ws), "--no-track"]
    question = "Our checkout got 3x slower after Tuesday's deploy. What now?"
    # Enter accepts the suggested mode; then Enter to start and stop the clock
    result = CliRunner().invoke(app, args, input=f"{question}\n\n\n\n")
    assert result.exit_code == 0, result.output
    assert "[debugging]" in result.output
    written = sorted((demo_ws / "rehearsals").glob("*-debugging-*.yaml"))
    assert yaml.safe_load(written[-1].read_text())["question"] == question


def test_cli_rehearse_without_a_transcript_opens_the_editor(
    demo_ws: Path, tmp_path: Path, monkeypatch
) -> None:
    # click.edit runs `$EDITOR "<file>"`; this editor appends the answer below the # hint
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys\n"
        f"with open(sys.argv[1], 'a', encoding='utf-8') as f: f.write({ANSWER!r} + '\\n')\n"
    )
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{shlex.quote(sys.executable)} {shlex.quote(str(editor))}")
    args = ["rehearse", "--question", "What ships first?", "--mode", "product"]
    args += ["--duration-s", "20", "--workspace", str(demo_ws), "--no-track"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    written = sorted((demo_ws / "rehearsals").glob(f"{dt.date.today().isoformat()}-product-*.yaml"))
    assert len(written) == 1
    assert yaml.safe_load(written[0].read_text())["transcript"] == ANSWER


def test_scorecard_matches_the_cli_score(demo_ws: Path) -> None:
    card = capture.scorecard(demo_ws, ANSWER, 20, "product")
    assert card["coverage"] == 0.4286
    assert capture.scorecard(demo_ws, ANSWER, 20, None)["segment_coverage"] is None


def test_light_reads_skip_a_file_that_is_not_a_mapping(demo_ws: Path) -> None:
    from prepops.data.lightread import evidence_ids

    (demo_ws / "evidence" / "broken.yaml").write_text("- a list\n- not a map\n")
    assert "checkout-latency" in evidence_ids(demo_ws)  # no AttributeError on the list


def test_cli_rehearse_checks_the_candidate_name_before_capturing(
    demo_ws: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("PREPOPS_CANDIDATE", "Not Valid")
    before = sorted((demo_ws / "rehearsals").glob("*.yaml"))
    result = CliRunner().invoke(app, ["rehearse", "--workspace", str(demo_ws)], input="Q?\n")
    assert result.exit_code == 2
    assert "PREPOPS_CANDIDATE" in result.output and "Traceback" not in result.output
    assert sorted((demo_ws / "rehearsals").glob("*.yaml")) == before
