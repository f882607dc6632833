"""The weekly flow's pure parts: when a repeatedly lost run stops, and the environment a
candidate's `dvc repro` gets on a shared worker."""

from __future__ import annotations

from prepops.cohort.weekly import MAX_STARTS, candidate_env, gave_up


def test_a_run_goes_again_until_its_starts_are_used_up() -> None:
    assert all(gave_up(n) is None for n in range(0, MAX_STARTS + 1))
    reason = gave_up(MAX_STARTS + 1)
    assert reason is not None and str(MAX_STARTS + 1) in reason and "--again" in reason
    assert gave_up(2, max_starts=1) is not None


def test_the_worker_login_never_reaches_a_candidates_run() -> None:
    base = {
        "MLFLOW_TRACKING_USERNAME": "coach",
        "MLFLOW_TRACKING_PASSWORD": "coach-secret-123",
        "MLFLOW_TRACKING_TOKEN": "tok",
        "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "30",
        "PATH": "/usr/bin",
    }
    env = candidate_env(base, "ana", "http://127.0.0.1:5000", "ana-password-123")
    assert env["MLFLOW_TRACKING_USERNAME"] == "ana"
    assert env["MLFLOW_TRACKING_PASSWORD"] == "ana-password-123"
    assert "MLFLOW_TRACKING_TOKEN" not in env and "coach-secret-123" not in env.values()
    assert "PREFECT_FLOWS_HEARTBEAT_FREQUENCY" not in env and env["PATH"] == "/usr/bin"
