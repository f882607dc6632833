"""Nothing sent anywhere by default (MLflow, Prefect, GE telemetry off on every path that
imports them) and no password shown."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SWITCHES = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "GX_ANALYTICS_ENABLED": "False",
}
# What makes MLflow and Prefect skip telemetry on their own (CI, pytest): not in the child
_AUTO_OFF = ("PYTEST_CURRENT_TEST", "CI", "GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE")


@pytest.fixture
def no_switches(monkeypatch: pytest.MonkeyPatch) -> None:
    """The telemetry switches unset, and restored (or unset again) after the test."""
    for name in SWITCHES:
        monkeypatch.setenv(name, "x")
        monkeypatch.delenv(name)


def _child_env() -> dict[str, str]:
    skip = {*SWITCHES, *_AUTO_OFF, "MLFLOW_TRACKING_URI"}
    return {k: v for k, v in os.environ.items() if k not in skip}


def test_the_mlflow_client_factory_switches_telemetry_off(tmp_path: Path) -> None:
    """In a fresh process (not under pytest, which MLflow itself treats as CI): after the
    factory, the switch is set and MLflow counts its telemetry as off."""
    code = (
        "import os, pathlib\n"
        "from prepops.training.tracking import client\n"
        f"client(pathlib.Path({str(tmp_path)!r}))\n"
        "from mlflow.telemetry.utils import is_telemetry_disabled\n"
        "print(os.environ.get('MLFLOW_DISABLE_TELEMETRY'), is_telemetry_disabled())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=_child_env(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert out.stdout.split() == ["true", "True"], out.stdout + out.stderr


def test_the_stage_launcher_switches_everything_off(monkeypatch, no_switches) -> None:
    from prepops.runtime import stage

    seen: dict = {}
    monkeypatch.setattr(stage, "hand_over", lambda name: None)
    monkeypatch.setattr(stage, "run_here", lambda name: seen.update(os.environ))
    stage.main(["plan"])
    assert {k: seen.get(k) for k in SWITCHES} == SWITCHES  # also for the temporary server


def test_a_value_already_set_wins(monkeypatch, no_switches) -> None:
    from prepops.runtime.privacy import no_telemetry

    monkeypatch.setenv("DO_NOT_TRACK", "0")
    no_telemetry()
    assert os.environ["DO_NOT_TRACK"] == "0"
    assert os.environ["MLFLOW_DISABLE_TELEMETRY"] == "true"


@pytest.mark.parametrize(
    ("uri", "shown"),
    [
        ("http://alice:s3cret@host:5000", "http://alice:***@host:5000"),
        ("postgresql+psycopg://c:p/w@d@db:5432/ml", "postgresql+psycopg://c:***@db:5432/ml"),
        ("postgresql://db/ml?user=c&password=pw&x=1", "postgresql://db/ml?user=c&password=***&x=1"),
        ("https://bob@host/api", "https://bob@host/api"),
        ("http://127.0.0.1:4200/api", "http://127.0.0.1:4200/api"),
        ("sqlite:////home/me/prepops/mlflow.db", "sqlite:////home/me/prepops/mlflow.db"),
    ],
)
def test_mask_uri(uri: str, shown: str) -> None:
    from prepops.runtime.privacy import mask_uri

    assert mask_uri(uri) == shown
