"""A cohort under load: N synthetic candidates' weeks at once on real shared servers.

Starts PostgreSQL (initdb in a temp folder), `mlflow server` (basic-auth app) and
`prefect server start` on it, a work pool with two `prefect worker` processes, registers N
candidates with `prepops cohort register`, queues their weeks with `submit`, waits, then
checks every candidate's reports against their MLflow runs. Writes reports/bench_cohort.json.

    python benchmarks/cohort.py --candidates 8
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import cohort_servers as cs  # noqa: E402
from tests.repo_copy import git_copy  # noqa: E402

DONE = {"Completed", "Failed", "Crashed", "Cancelled"}


def _checkouts(base: Path, n: int) -> list[dict]:
    """N candidate checkouts, each with its own synthetic workspace (seed = index)."""
    out = []
    for i in range(n):
        name = f"cand{i:02d}"
        checkout = base / name
        checkout.mkdir()
        env = git_copy(checkout)
        subprocess.run(
            ["prepops", "synth", str(checkout / "ws"), "--rounds", "32", "--seed", str(i)],
            env=env,
            check=True,
            capture_output=True,
        )
        params = yaml.safe_load((checkout / "params.yaml").read_text())
        params["workspace"] = "ws"
        (checkout / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
        out.append({"name": name, "checkout": str(checkout)})
    return out


def _cohort(env: dict, verb: str, roster: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["prepops", "cohort", verb, *extra, str(roster)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )


def _audit(srv: dict, roster: Path, candidates: list[dict]) -> dict:
    """Every rehearsal in a candidate's reports has exactly one live MLflow run."""
    from mlflow.tracking import MlflowClient

    known = yaml.safe_load(roster.with_name(f"{roster.stem}.passwords.yaml").read_text())
    lost = duplicate = 0
    for cand in candidates:
        os.environ["MLFLOW_TRACKING_USERNAME"] = cand["name"]
        os.environ["MLFLOW_TRACKING_PASSWORD"] = known[cand["name"]]
        client = MlflowClient(srv["mlflow"])
        exp = client.get_experiment_by_name(f"prepops-{cand['name']}-rehearsals")
        runs = client.search_runs(
            [exp.experiment_id], "tags.superseded = 'false'", max_results=50000
        )
        logged: dict[str, int] = {}
        for run in runs:
            rid = run.data.tags.get("rehearsal_id")
            logged[rid] = logged.get(rid, 0) + 1
        report = json.loads((Path(cand["checkout"]) / "reports" / "rehearsals.json").read_text())
        ids = [r["id"] for r in report["rehearsals"]]
        lost += sum(1 for i in ids if i not in logged)
        duplicate += sum(count - 1 for count in logged.values() if count > 1)
    return {"lost_runs": lost, "duplicate_runs": duplicate}


def _stage_times(srv: dict) -> list[float]:
    """Durations of the stage flow runs (every candidate's `dvc repro` stages)."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

    # settings, not os.environ: Prefect read the environment when it was imported
    runs: list = []
    api = {PREFECT_API_URL: srv["prefect"], PREFECT_API_AUTH_STRING: cs.PREFECT_AUTH}
    with temporary_settings(updates=api), get_client(sync_client=True) as client:
        while page := client.read_flow_runs(limit=200, offset=len(runs)):  # the API's cap
            runs += page
    return sorted(
        r.total_run_time.total_seconds()
        for r in runs
        if r.state_name == "Completed" and "prepops-cohort" not in (r.tags or [])
    )


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return round(values[min(len(values) - 1, int(q * len(values)))], 2)


def run(n: int, workers: int = 2) -> dict:
    """Run the benchmark with `n` candidates; the figures for bench_cohort.json."""
    base = Path(tempfile.mkdtemp(prefix="prepops-cohort-"))
    with cs.postgres(("mlflow", "mlflow_auth", "prefect")) as pg, cs.servers(pg, base) as srv:
        env = srv["coach_env"] | {"PATH": f"{cs.BIN}{os.pathsep}{os.environ['PATH']}"}
        candidates = _checkouts(base, n)
        roster = base / "cohort.yaml"
        roster.write_text(
            yaml.safe_dump({"mlflow": srv["mlflow"], "pool": "cohort", "candidates": candidates})
        )
        _cohort(env, "register", roster)
        procs = [
            cs.start_worker(env, "cohort", f"w{i}", base / f"worker{i}.log") for i in range(workers)
        ]
        try:
            started = time.monotonic()
            _cohort(env, "submit", roster)
            while True:
                rows = json.loads(_cohort(env, "status", roster, "--json").stdout)
                if all(r["state"] in DONE for r in rows):
                    break
                time.sleep(3)
            wall = time.monotonic() - started
        finally:
            for proc in procs:
                cs.stop(proc)
        done = [r for r in rows if r["state"] == "Completed"]
        finished = {r["candidate"] for r in done}
        stages = _stage_times(srv)
        return {
            "candidates": n,
            "workers": workers,
            "completed": len(done),
            "failed": n - len(done),
            **_audit(srv, roster, [c for c in candidates if c["name"] in finished]),
            "stage_runs": len(stages),
            "stage_p50_s": _quantile(stages, 0.5),
            "stage_p95_s": _quantile(stages, 0.95),
            "week_p50_s": _quantile(sorted(r["seconds"] for r in done), 0.5),
            "wall_s": round(wall, 1),
        }


def main() -> None:
    """Parse --candidates, run, write reports/bench_cohort.json and print it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    figures = run(args.candidates, args.workers)
    out = ROOT / "reports" / "bench_cohort.json"
    out.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
