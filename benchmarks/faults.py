"""Crashes inside MLflow logging at scale: `kill -9` a real `dvc repro` at several points of
the rehearse stage's logging of N rehearsals (a synthetic workspace from `prepops synth`,
named by params.yaml `workspace:` in a temporary git copy), rerun it each time, and check the
invariants of tests/repo_copy.broken_invariants against an undisturbed run: the same outputs,
no temp file left, one live FINISHED run per rehearsal with its metrics, no run RUNNING, the
champion alias on champion.json's fingerprint. Writes reports/bench_faults.json.

    python benchmarks/faults.py [--rehearsals 1000] [--rounds 200] [--seed 1]

Each kill point fires when the rehearsal experiment's artifact folder holds k run folders (a
run's scorecard is uploaded right after the run is created), and mlflow.db confirms after the
kill that the run died inside the logging. The folder is polled, not mlflow.db: polling the
SQLite store every few milliseconds makes its writer wait on the lock (measured: logging 1,000
runs took 96 s under such polling, about 25 s without). The last point kills twice: the rerun
of a killed run is killed again, then rerun.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.repo_copy: the same fresh copy the e2e tests use
from prepops.training import tracking  # noqa: E402
from tests.repo_copy import (  # noqa: E402
    BIN,
    NotReached,
    broken_invariants,
    git_copy,
    reference,
    repro_killed,
    restore,
    snapshot,
    sql,
)

INVARIANTS = ("outputs", "no_tmp", "one_live_run_per_rehearsal", "no_run_running", "champion")
EXPERIMENT = tracking.mlflow_name("rehearsals")
COUNTS = re.compile(rf"MLflow {EXPERIMENT}: (\{{[^}}]*\}})")  # the rehearse stage's counts
TRIES = 3


def sh(args: list[str], cwd: Path, env: dict) -> float:
    """Run a command that must succeed; its wall time."""
    start = time.perf_counter()
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{args} exited {result.returncode}\n{result.stdout}\n{result.stderr}")
    return time.perf_counter() - start


def store_runs(dst: Path) -> tuple[int, int]:
    """Rehearsal runs in the store, and how many of them are complete (FINISHED with their
    fingerprint), read after a kill."""
    query = (
        "SELECT count(*), sum(r.status = 'FINISHED' AND EXISTS (SELECT 1 FROM tags t"
        " WHERE t.run_uuid = r.run_uuid AND t.key = 'fingerprint')) FROM runs r"
        " JOIN experiments e ON e.experiment_id = r.experiment_id WHERE e.name = ?"
    )
    rows = sql(dst / "mlflow.db", query, EXPERIMENT)
    return (rows[0][0], rows[0][1] or 0) if rows else (0, 0)


def kill_inside_logging(dst: Path, env: dict, at: int, n: int, state: Path | None) -> dict:
    """`dvc repro` killed once `at` rehearsal run folders exist, from the saved `state` (or,
    with None, from the copy as it is); retried from `state` if the logging ended first."""
    folder = f"mlartifacts/{EXPERIMENT}"
    for _ in range(TRIES if state else 1):
        if state:
            restore(dst, state)
        try:
            killed = repro_killed(dst, env, lambda w: w.entries(folder) >= at, poll_s=0.005)
        except NotReached:
            continue
        runs, complete = store_runs(dst)
        if runs >= 1 and complete < n:
            return {"fired_s": killed["fired_s"], "runs": runs, "complete": complete}
    raise SystemExit(f"kill point {at} runs: not reached in {TRIES} tries")


def rerun(dst: Path, env: dict, ref: dict) -> dict:
    """`dvc repro` after a kill: its time, what the rehearse stage logged, each invariant."""
    start = time.perf_counter()
    result = subprocess.run(
        ["dvc", "repro"], cwd=dst, env=env, capture_output=True, text=True, check=False
    )
    took = round(time.perf_counter() - start, 2)
    if result.returncode != 0:
        return {"rerun_s": took, "exit": result.returncode, "invariants": {}, "holds": False}
    broken = broken_invariants(dst, ref)
    counts = COUNTS.search(result.stdout)
    return {
        "rerun_s": took,
        "exit": 0,
        "rerun_mlflow": json.loads(counts.group(1).replace("'", '"')) if counts else None,
        "invariants": {k: broken.get(k, "pass") for k in INVARIANTS},
        "holds": not broken,
    }


def run(n: int, rounds: int, seed: int) -> dict:
    out: dict = {"rehearsals": n, "rounds": rounds, "seed": seed, "points": []}
    begin = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="prepops-faults-") as tmp:
        dst = Path(tmp) / "repo"
        dst.mkdir()
        env = git_copy(dst) | {"PREPOPS_PREFECT_IDLE_MIN": "30"}
        try:
            synth = ["synth", "synth", "--rounds", str(rounds), "--rehearsals", str(n)]
            sh([str(BIN / "prepops"), *synth, "--seed", str(seed)], dst, env)
            params = dst / "params.yaml"
            text = params.read_text()
            params.write_text(re.sub(r"(?m)^workspace: .*$", "workspace: synth", text))
            # the state before rehearse: as_of, ingest and validate done, no MLflow store
            out["before_rehearse_s"] = round(sh(["dvc", "repro", "validate"], dst, env), 2)
            before = snapshot(dst, Path(tmp) / "before-rehearse")
            out["undisturbed_s"] = round(sh(["dvc", "repro"], dst, env), 2)
            ref = reference(dst)
            points = [1, n // 4, n // 2, 3 * n // 4, n - 1]
            for at in points:
                point = {
                    "kill_at_runs": [at],
                    "kills": [kill_inside_logging(dst, env, at, n, before)],
                }
                point |= rerun(dst, env, ref)
                out["points"].append(point)
                print(json.dumps(point), flush=True)
            # killed twice: in the logging, then in the rerun's logging of the rest
            point = {"kill_at_runs": [n // 2, 3 * n // 4]}
            point["kills"] = [
                kill_inside_logging(dst, env, n // 2, n, before),
                kill_inside_logging(dst, env, 3 * n // 4, n, None),
            ]
            point |= rerun(dst, env, ref)
            out["points"].append(point)
            print(json.dumps(point), flush=True)
        finally:
            subprocess.run(
                [str(BIN / "prepops"), "runner", "stop"], cwd=dst, env=env, capture_output=True
            )
    out["invariants"] = {
        k: "pass" if all(p["invariants"].get(k) == "pass" for p in out["points"]) else "FAIL"
        for k in INVARIANTS
    }
    out["all_hold"] = all(p["holds"] for p in out["points"])
    out["total_s"] = round(time.perf_counter() - begin, 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rehearsals", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.rehearsals < 8:
        parser.error("--rehearsals: at least 8 (the kill points are spread over the logging)")
    result = run(args.rehearsals, args.rounds, args.seed)
    target = ROOT / "reports" / "bench_faults.json"
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nkill -9 inside MLflow logging of {args.rehearsals} rehearsals, then dvc repro:")
    print(f"{'killed at (runs)':>18} {'runs':>6} {'complete':>9} {'rerun (s)':>10}  invariants")
    for p in result["points"]:
        at = " then ".join(map(str, p["kill_at_runs"]))
        last = p["kills"][-1]
        broken = [k for k, v in p["invariants"].items() if v != "pass"] or [f"exit {p['exit']}"]
        verdict = "all hold" if p["holds"] else "BROKEN: " + ", ".join(broken)
        print(f"{at:>18} {last['runs']:>6} {last['complete']:>9} {p['rerun_s']:>10}  {verdict}")
    print(
        f"undisturbed run (rehearse on): {result['undisturbed_s']} s; total {result['total_s']} s"
    )
    print("all invariants hold" if result["all_hold"] else "INVARIANTS BROKEN")
    print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
