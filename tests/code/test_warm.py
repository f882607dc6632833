"""The warm runner's guards: it is bypassed when Prefect points elsewhere, and its code
fingerprint changes with any source edit (so stale code is never run)."""

from __future__ import annotations

from pathlib import Path

from prepops import warm


def test_fingerprint_follows_source_edits(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    before = warm.fingerprint([tmp_path])
    assert warm.fingerprint([tmp_path]) == before
    (tmp_path / "a.py").write_text("x = 22\n")
    assert warm.fingerprint([tmp_path]) != before


def test_disabled_when_prefect_points_elsewhere(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    for var in ("PREPOPS_WARM", "PREFECT_API_URL", "PREPOPS_PREFECT_SERVER", "PREFECT_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    assert warm.enabled()
    (tmp_path / "profiles.toml").write_text(
        'active = "team"\n[profiles.team]\nPREFECT_API_URL = "http://prefect.example:4200/api"\n'
    )
    assert not warm.enabled()
    (tmp_path / "profiles.toml").unlink()
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    assert not warm.enabled()
    assert warm.delegate(tmp_path, "pipelines.ingest") is None


def test_no_runner_means_run_here(tmp_path: Path, monkeypatch) -> None:
    for var in ("PREPOPS_WARM", "PREFECT_API_URL", "PREPOPS_PREFECT_SERVER"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    assert warm.delegate(tmp_path, "pipelines.ingest") is None  # no socket: run in-process


def test_a_server_started_without_runner_is_not_waited_for(tmp_path: Path, monkeypatch) -> None:
    """A server started with PREPOPS_WARM=0 has no runner: stages must not wait 30 s each."""
    import json
    import os

    from prepops.orchestration import STATE

    for var in ("PREPOPS_WARM", "PREFECT_API_URL", "PREPOPS_PREFECT_SERVER"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    state = {"api_url": "http://127.0.0.1:9/api", "pid": os.getpid(), "runner": False}
    (tmp_path / STATE).write_text(json.dumps(state))
    assert not warm._starting(tmp_path)

    def no_waiting(_: float) -> None:
        raise AssertionError("waited for a runner that was never started")

    monkeypatch.setattr(warm.time, "sleep", no_waiting)
    assert warm.delegate(tmp_path, "pipelines.ingest") is None  # gave up at once
    (tmp_path / STATE).write_text(json.dumps(state | {"runner": True}))
    assert warm._starting(tmp_path)  # this process is alive: a runner may still be importing
