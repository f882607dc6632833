"""The stage launcher's debug switch: PREPOPS_RUNNER=off runs the stage in the calling process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.repo_copy import git_copy

pytestmark = pytest.mark.e2e

# Runs the launcher as dvc.yaml does, then reports whether the stage's module was imported
# here: a stage handed to the runner is imported only in the runner's child.
PROBE = """
import runpy, sys
sys.argv = ["prepops.runtime.stage", "ingest"]
try:
    runpy.run_module("prepops.runtime.stage", run_name="__main__")
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "here": "pipelines.ingest" in sys.modules}))
"""


def test_switched_off_the_stage_runs_in_the_calling_process(tmp_path: Path) -> None:
    env = git_copy(tmp_path) | {"PREPOPS_RUNNER": "off"}
    prepops = str(Path(sys.executable).with_name("prepops"))
    try:
        result = subprocess.run(
            [sys.executable, "-c", "import json" + PROBE],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        probe = json.loads(result.stdout.strip().splitlines()[-1])
        assert probe == {"code": 0, "here": True}
        assert (tmp_path / "reports" / "tables" / "manifest.json").is_file()
        status = subprocess.run(
            [prepops, "runner", "status", "--json"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        info = json.loads(status.stdout)
        assert info["switch"] == "off"
        assert info["server"]["alive"] and info["runner"] == {
            "expected": False,
            "answering": False,
        }
    finally:
        subprocess.run([prepops, "runner", "stop"], cwd=tmp_path, env=env, check=False)
