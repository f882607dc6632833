"""`prepops validate`, `init`, `versions`: exit codes and output, via Typer's runner."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from prepops.cli.app import app
from tests.code.data.lines import at_line
from tests.conftest import CANARY, edit

runner = CliRunner()


def test_validate_valid_workspace_exits_0(demo_ws: Path) -> None:
    result = runner.invoke(app, ["validate", str(demo_ws)])
    assert result.exit_code == 0, result.output
    assert "0 problem(s): valid" in result.output


def test_validate_invalid_workspace_lists_one_line_per_problem(demo_ws: Path) -> None:
    edit(
        demo_ws,
        "rounds/helix-incident-2026-10-28.yaml",
        lambda d: d.update(stage="x", confidence=2, interviewer=CANARY),
    )
    result = runner.invoke(app, ["validate", str(demo_ws)])
    assert result.exit_code == 1
    lines = [line for line in result.stdout.splitlines() if line]
    assert len(lines) == 2
    # `<file>:<line>: <field>: ...`, the line where the field is written
    rel = "rounds/helix-incident-2026-10-28.yaml"
    wanted = {
        at_line(demo_ws, f"{rel}: {field}: x").split(": ")[0] for field in ("stage", "confidence")
    }
    assert {line.split(": ")[0] for line in lines} == wanted
    assert all(line.startswith(f"{rel}:") for line in lines)
    assert "Traceback" not in result.output
    assert CANARY not in result.output


def test_validate_json(demo_ws: Path) -> None:
    edit(demo_ws, "evidence/checkout-latency.yaml", lambda d: d.update(modes=[]))
    result = runner.invoke(app, ["validate", str(demo_ws), "--json"])
    assert result.exit_code == 1
    line = at_line(demo_ws, "evidence/checkout-latency.yaml: modes: x").split(": ")[0]
    assert json.loads(result.stdout) == [
        {
            "file": "evidence/checkout-latency.yaml",
            "line": int(line.rsplit(":", 1)[1]),
            "field": "modes",
            "rule": "must be a non-empty list",
        }
    ]


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert runner.invoke(app, ["validate", str(tmp_path / "missing")]).exit_code == 2
    assert runner.invoke(app, ["validate", "--no-such-flag"]).exit_code == 2


def test_init_creates_a_valid_workspace_and_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "mine"
    result = runner.invoke(app, ["init", str(target), "--no-dvc"])
    assert result.exit_code == 0, result.output
    assert (target / "rounds" / "example.yaml.example").read_text().startswith("#")
    assert runner.invoke(app, ["validate", str(target)]).exit_code == 0
    again = runner.invoke(app, ["init", str(target), "--no-dvc"])
    assert again.exit_code == 2
    assert "already exists" in again.output


def test_versions_prints_the_ids(demo_ws: Path) -> None:
    result = runner.invoke(app, ["versions", str(demo_ws)])
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)["template_version"]) == 10


def test_score_command_stays_light() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from typer.testing import CliRunner; from prepops.cli.app import app; "
        "r = CliRunner().invoke(app, ['score', '-', '--duration-s', '10', '--json'], input='So the question is x.'); "
        "assert r.exit_code == 0, r.output; "
        "print(sorted(m for m in ('pandas','pandera','prefect','mlflow','great_expectations','sklearn','scipy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_cli_import_stays_light() -> None:
    import subprocess
    import sys

    code = "import sys, prepops.cli.app; print(sorted(m for m in ('pandas','pandera','prefect','mlflow','great_expectations','sklearn') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


BROKEN = [
    (b"id: [unclosed\n", "malformed YAML at line 2, column 1"),
    (b"- a list\n- not a map\n", "file must be one YAML mapping, not a list"),
    (b"", "file is empty"),
    (b"id: x\xff\xfe\n", "not valid UTF-8"),
    (b"!!python/object/apply:os.system ['echo pwned']\n", "unsupported YAML tag"),
    (
        b"a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        b"e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n",
        "alias bomb",
    ),
]


@pytest.mark.parametrize(("raw", "rule"), BROKEN, ids=[b[1][:20] for b in BROKEN])
def test_broken_file_is_one_line_exit_1_and_nothing_touched(
    demo_ws: Path, raw: bytes, rule: str
) -> None:
    (demo_ws / "rounds" / "broken.yaml").write_bytes(raw)
    before = {p: p.read_bytes() for p in demo_ws.rglob("*") if p.is_file()}
    result = runner.invoke(app, ["validate", str(demo_ws)])
    assert result.exit_code == 1
    (line,) = result.stdout.splitlines()
    # the parser's line when it gives one: `rounds/broken.yaml:2: (file): malformed ...`
    assert re.match(r"rounds/broken\.yaml(:\d+)?: \(file\): ", line) and rule in line, line
    assert "Traceback" not in result.output
    assert before == {p: p.read_bytes() for p in demo_ws.rglob("*") if p.is_file()}


def test_size_limit_comes_from_params(demo_ws: Path, tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "params.yaml").write_text("workspace: mine\nlimits: {max_file_bytes: 300}\n")
    (tmp_path / "dvc.yaml").write_text("stages: {}\n")
    monkeypatch.setenv("PREPOPS_ROOT", str(tmp_path))
    import shutil

    shutil.copytree(demo_ws, tmp_path / "mine")
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 1
    assert "file is larger than the 300-byte limit" in result.stdout


def test_synth_writes_a_valid_workspace_and_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "big"
    result = runner.invoke(app, ["synth", str(target), "--rounds", "40", "--companies", "5"])
    assert result.exit_code == 0, result.output
    assert len(list((target / "rounds").glob("*.yaml"))) == 40
    assert runner.invoke(app, ["validate", str(target)]).exit_code == 0
    again = runner.invoke(app, ["synth", str(target)])
    assert again.exit_code == 2 and "never overwrites" in again.stderr
