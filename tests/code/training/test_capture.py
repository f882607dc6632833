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
    # no company, the question, a mode typo re-asked, Enter to start and to stop the clock,
    # no self-score
    answers = "\nWhat ships first?\nprodcut\nproduct\n\n\n\n"
    result = CliRunner().invoke(app, args, input=answers)
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
    # no company; Enter accepts the suggested mode; Enter to start and stop; no self-score
    result = CliRunner().invoke(app, args, input=f"\n{question}\n\n\n\n\n")
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


@pytest.fixture
def project_ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo workspace in a project of its own, routed by the demo router."""
    import shutil

    from tests.code.cli.conftest import make_project
    from tests.conftest import DEMO

    shutil.copytree(DEMO, tmp_path / "data", ignore=shutil.ignore_patterns("processed"))
    return make_project(tmp_path, monkeypatch) / "data"


def _rehearse(ws: Path, answers: str, *args: str):
    """`prepops rehearse --no-track` with `answers` typed at its prompts."""
    base = ["rehearse", "--workspace", str(ws), "--no-track", *args]
    return CliRunner().invoke(app, base, input=answers)


def _written(ws: Path) -> list[Path]:
    return sorted((ws / "rehearsals").glob(f"{dt.date.today().isoformat()}-*.yaml"))


@pytest.mark.parametrize(("company", "card"), [("quanta labs", "Quanta Labs"), ("helix", None)])
def test_company_is_asked_first_and_its_prior_picks_the_mode(
    project_ws: Path, tmp_path: Path, company: str, card: str | None
) -> None:
    from prepops.model import routing

    transcript = tmp_path / "answer.txt"
    transcript.write_text(ANSWER)
    question = "What would you do about our search?"  # no cue: the company's prior decides
    # `helix` is not a card name: re-asked with the closest one, then given in full
    retry = "" if card else "Helix Robotics\n"
    answers = f"{company}\n{retry}{question}\n\n\n\n4\n"
    result = _rehearse(project_ws, answers, "--transcript", str(transcript))
    assert result.exit_code == 0, result.output
    card = card or "Helix Robotics"
    assert result.output.index("Company (") < result.output.index("Question")
    if company == "helix":
        assert "did you mean 'Helix Robotics'?" in result.output
    expected = routing.route(project_ws, question, routing.company_card(project_ws, card))[0]
    doc = yaml.safe_load(_written(project_ws)[-1].read_text())
    assert (doc["company"], doc["mode"], doc["self_score"]) == (card, expected["mode"], 4)
    assert f"[{expected['mode']}]" in result.output


def test_the_router_pick_differs_by_company_for_the_same_question(project_ws: Path) -> None:
    # the test above means something only if the prior changes the pick
    from prepops.model import routing

    q = "What would you do about our search?"
    picks = {
        name: routing.route(project_ws, q, routing.company_card(project_ws, name))[0]["mode"]
        for name in ("Quanta Labs", "Helix Robotics")
    }
    assert picks["Quanta Labs"] != picks["Helix Robotics"]


def test_an_unknown_company_flag_exits_2_before_anything_is_captured(project_ws: Path) -> None:
    result = _rehearse(project_ws, "", "--company", "lumen helth", "--question", "Q?")
    assert result.exit_code == 2
    assert "did you mean 'Lumen Health'?" in result.stderr
    assert not (project_ws / "drafts").exists() or not any((project_ws / "drafts").iterdir())


def test_the_transcript_is_a_literal_block_with_its_lines(project_ws: Path, tmp_path: Path) -> None:
    spoken = "First line: the constraint.   \r\nSecond line, with 'quotes' and: colons.\n\nThe end."
    transcript = tmp_path / "answer.txt"
    transcript.write_bytes(spoken.encode())
    args = ["--question", "Q?", "--mode", "product", "--duration-s", "9"]
    result = _rehearse(project_ws, "", *args, "--transcript", str(transcript))
    assert result.exit_code == 0, result.output
    text = _written(project_ws)[-1].read_text()
    assert "transcript: |" in text
    body = text.split("transcript: |", 1)[1].split("\n", 1)[1]
    assert body.splitlines() == [
        "  First line: the constraint.",
        "  Second line, with 'quotes' and: colons.",
        "",
        "  The end.",
    ]
    assert yaml.safe_load(text)["transcript"] == capture.tidy(spoken)
    assert load(project_ws).problems == []


def test_a_failure_after_timing_keeps_the_draft_and_resume_finishes_it(
    project_ws: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    # no company, the question, Enter for the router's mode, timed, no self-score
    first = _rehearse(
        project_ws, "\nWhat ships first?\nproduct\n\n\n\n", "--transcript", str(empty)
    )
    assert first.exit_code == 1
    assert "transcript: must not be empty" in first.stderr
    (draft,) = sorted((project_ws / "drafts").glob("*.yaml"))
    assert f"kept in {draft}" in first.stderr
    kept = yaml.safe_load(draft.read_text())
    assert kept["question"] == "What ships first?" and kept["duration_s"] >= 0
    assert _written(project_ws) == []
    answer = tmp_path / "answer.txt"
    answer.write_text(ANSWER)
    again = _rehearse(project_ws, "", "--resume", str(draft), "--transcript", str(answer))
    assert again.exit_code == 0, again.output
    doc = yaml.safe_load(_written(project_ws)[-1].read_text())
    assert (doc["question"], doc["mode"], doc["transcript"]) == (
        "What ships first?",
        "product",
        ANSWER,
    )
    assert doc["duration_s"] == max(kept["duration_s"], 0.1)
    assert not draft.exists()
