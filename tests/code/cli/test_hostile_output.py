"""Workspace text the CLI prints reaches the terminal without control characters or escape
sequences (an OSC 52 clipboard write, a window title, colours), and `where`/`ui` never show
or pass on a password."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from prepops.cli import services
from prepops.cli.app import app
from tests.code.cli.conftest import make_project
from tests.code.report.report_inputs import rename_company
from tests.conftest import DEMO, edit

runner = CliRunner()
Q = "Our checkout page got 3x slower after Tuesday's deploy. What now?"
OSC52 = "\x1b]52;c;aGk=\x07"
EVIL = f"Evil{OSC52}\x1b[2J\x9b31m\x9d0;title\x9c\x07 Co"
RAW_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")  # all but the line break
QUIET = (
    "MLFLOW_DISABLE_TELEMETRY",
    "DO_NOT_TRACK",
    "PREFECT_SERVER_ANALYTICS_ENABLED",
    "GX_ANALYTICS_ENABLED",
)


@pytest.fixture
def no_switches(monkeypatch: pytest.MonkeyPatch) -> None:
    """The telemetry switches unset, and restored (or unset again) after the test."""
    for name in QUIET:
        monkeypatch.setenv(name, "x")
        monkeypatch.delenv(name)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project whose workspace has escape sequences in a company name and a story."""
    ws = tmp_path / "data"
    shutil.copytree(DEMO, ws)
    rename_company(ws, "Helix Robotics", EVIL)
    edit(
        ws,
        "evidence/checkout-latency.yaml",
        lambda d: d.update(title=f"Cut latency{OSC52}", failure_mode=f"Stampede \x1b[8m{OSC52}"),
    )
    return make_project(tmp_path, monkeypatch)


def test_unknown_company_lists_names_without_escapes(project: Path) -> None:
    assert runner.invoke(app, ["validate"]).exit_code == 0  # the names are valid
    result = runner.invoke(app, ["route", Q, "--company", "Nowhere Inc"])
    assert result.exit_code == 2
    assert "Evil Co" in result.stderr
    assert not RAW_CONTROL.search(result.output), repr(result.output)


def test_retrieve_prints_titles_and_text_without_escapes(project: Path) -> None:
    result = runner.invoke(app, ["retrieve", Q])
    assert result.exit_code == 0, result.output
    assert "Cut latency" in result.stdout and "Stampede" in result.stdout
    assert not RAW_CONTROL.search(result.output), repr(result.output)
    as_json = runner.invoke(app, ["retrieve", Q, "--json"])
    assert not RAW_CONTROL.search(as_json.stdout)  # JSON escapes them (\u001b)
    assert json.loads(as_json.stdout)["story"]["title"] == f"Cut latency{OSC52}"


def test_where_masks_the_tracking_password(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "params.yaml").write_text("workspace: data\n")
    (tmp_path / "dvc.yaml").write_text("stages: {}\n")
    monkeypatch.setenv("PREPOPS_ROOT", str(tmp_path))
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / ".prefect"))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://alice:s3cret@host:5000")
    monkeypatch.setenv("PREFECT_API_URL", "http://bob:hunter2@host:4200/api")
    result = runner.invoke(app, ["where"])
    assert result.exit_code == 0, result.output
    assert "http://alice:***@host:5000" in result.stdout
    assert "http://bob:***@host:4200" in result.stdout
    assert "s3cret" not in result.output and "hunter2" not in result.output


def test_ui_passes_the_store_in_the_environment_not_argv(tmp_path: Path, no_switches) -> None:
    uri = "postgresql+psycopg://coach:s3cret@db.example:5432/mlflow"
    argv, env = services.ui_command(tmp_path, uri, 5001)
    assert argv[:4] == [sys.executable, "-m", "mlflow", "ui"]
    assert not [a for a in argv if "s3cret" in a or a == "--backend-store-uri"]
    assert env["MLFLOW_BACKEND_STORE_URI"] == uri
    assert env["MLFLOW_DISABLE_TELEMETRY"] == "true" and env["DO_NOT_TRACK"] == "true"
    assert argv[argv.index("--host") + 1] == "127.0.0.1"


def test_ui_prints_the_store_masked(tmp_path: Path, monkeypatch, no_switches) -> None:
    seen: list = []
    monkeypatch.setenv("PREPOPS_ROOT", str(tmp_path))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://alice:s3cret@host:5000")
    monkeypatch.setattr(services.os, "execve", lambda *a: seen.append(a))
    monkeypatch.setattr(services.os, "execv", lambda *a: seen.append(a))  # the old call
    result = runner.invoke(app, ["ui", "--port", "5002"])
    assert result.exit_code == 0, result.output
    assert "http://alice:***@host:5000" in result.stdout and "s3cret" not in result.output
    (call,) = seen
    assert not [a for a in call[1] if "s3cret" in a]


def test_log_offers_company_names_without_escapes(demo_ws: Path) -> None:
    from tests.code.data.test_roundlog import ANSWERS

    lumen = f"Lumen{OSC52} Health\x1b[1A"
    rename_company(demo_ws, "Lumen Health", lumen)
    before = set((demo_ws / "rounds").iterdir())
    result = runner.invoke(
        app, ["log", "--workspace", str(demo_ws)], input="\n".join(ANSWERS) + "\n"
    )
    assert result.exit_code == 0, result.output
    assert "Lumen Health" in result.output  # offered as shown, typed as shown
    assert not RAW_CONTROL.search(result.output), repr(result.output)
    (written,) = set((demo_ws / "rounds").iterdir()) - before
    assert yaml.safe_load(written.read_text())["company"] == lumen  # the name as written
