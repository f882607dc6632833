"""The whole weekly pipeline at scale: a cold `dvc repro` of a synthetic workspace of 1k, 10k
and 100k rounds (rehearsals: half the rounds), then one new round, in a temporary git copy.
Every stage's wall time and peak memory (its process's own maximum resident set) come from
a `python` shim first on DVC's PATH, which runs the stage and records both.

Stages run in their own processes (PREPOPS_RUNNER=off), so each pays its imports (the
runner, on by default, saves them): the figures are an upper bound of a user's run.

    python benchmarks/scale.py [--sizes 1000 10000 100000]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.repo_copy: the same fresh copy the e2e tests use
from tests.repo_copy import BIN, git_copy  # noqa: E402

# targets (issue 15): 10k cold <= 60 s; 100k cold <= 10 min, peak <= 4 GB; a new round on
# the 10k workspace <= 10 s
TARGETS = {"10000": {"cold_s": 60, "new_round_s": 10}, "100000": {"cold_s": 600, "peak_mb": 4096}}

# `python` for DVC's stage commands: runs the real interpreter, appends the stage's wall
# time and peak RSS (KiB on Linux) to $PREPOPS_SCALE_LOG as one JSON line
SHIM = """#!{python}
import json, os, sys, time
start = time.perf_counter()
pid = os.spawnv(os.P_NOWAIT, {python!r}, [{python!r}, *sys.argv[1:]])
_, status, usage = os.wait4(pid, 0)
stage = sys.argv[-1] if sys.argv[1:3] == ["-m", "prepops.runtime.stage"] else " ".join(sys.argv[1:])
with open(os.environ["PREPOPS_SCALE_LOG"], "a") as log:
    log.write(json.dumps({{"stage": stage, "seconds": round(time.perf_counter() - start, 2),
                          "peak_mb": round(usage.ru_maxrss / 1024, 1)}}) + "\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def project(dst: Path, n: int) -> dict:
    """A git copy at `dst` whose params point at a synthetic workspace of `n` rounds."""
    env = git_copy(dst) | {"PREPOPS_ROOT": str(dst), "PREPOPS_RUNNER": "off"}
    shim = dst / ".scale-bin"
    shim.mkdir()
    (shim / "python").write_text(SHIM.format(python=sys.executable))
    (shim / "python").chmod(0o755)
    env["PATH"] = f"{shim}{os.pathsep}{env['PATH']}"
    prefect = [str(BIN / "prefect"), "server", "database", "upgrade", "-y"]
    subprocess.run(prefect, cwd=dst, env=env, check=True, capture_output=True)
    synth = [str(BIN / "prepops"), "synth", "synth", "--rounds", str(n), "--seed", "1"]
    synth += ["--companies", str(max(4, n // 1000)), "--rehearsals", str(n // 2)]
    subprocess.run(synth, cwd=dst, env=env, check=True, capture_output=True)
    params = (dst / "params.yaml").read_text()
    params = params.replace("workspace: data", "workspace: synth", 1)
    params = params.replace('as_of: "2026-11-27"', "as_of: null", 1)  # synth ends yesterday
    (dst / "params.yaml").write_text(params)
    return env


def repro(dst: Path, env: dict, log: Path) -> dict:
    """`dvc repro`: its wall time and each stage's seconds and peak MB."""
    log.unlink(missing_ok=True)
    start = time.perf_counter()
    done = subprocess.run(
        ["dvc", "repro"],
        cwd=dst,
        env={**env, "PREPOPS_SCALE_LOG": str(log)},
        capture_output=True,
        text=True,
    )
    wall = round(time.perf_counter() - start, 2)
    if done.returncode:
        raise RuntimeError(f"dvc repro failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    stages = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return {
        "wall_s": wall,
        "stages": {s["stage"]: {"seconds": s["seconds"], "peak_mb": s["peak_mb"]} for s in stages},
        "peak_mb": max((s["peak_mb"] for s in stages), default=None),
    }


def new_round(dst: Path) -> None:
    """Add one round to the workspace: a copy of its last round under a new id."""
    last = sorted((dst / "synth" / "rounds").glob("*.yaml"))[-1]
    text = last.read_text()
    rid = last.stem
    (last.parent / "r9999999.yaml").write_text(text.replace(f"id: {rid}", "id: r9999999", 1))


def measure(n: int) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"prepops-scale-{n}-") as tmp:
        dst = Path(tmp)
        env = project(dst, n)
        log = dst / ".scale-log.jsonl"
        row = {"rounds": n, "rehearsals": n // 2, "cold": repro(dst, env, log)}
        new_round(dst)
        row["new_round"] = repro(dst, env, log)
        # each cold stage and the total at the top too (what run_all's table reads)
        row |= row["cold"]["stages"] | {"total_s": row["cold"]["wall_s"]}
        subprocess.run([str(BIN / "prepops"), "stop"], cwd=dst, env=env, capture_output=True)
    return row


def verdicts(rows: dict) -> dict:
    out = {}
    for size, limits in TARGETS.items():
        row = rows.get(size)
        if not row:
            continue
        got = {
            "cold_s": row["cold"]["wall_s"],
            "new_round_s": row["new_round"]["wall_s"],
            "peak_mb": row["cold"]["peak_mb"],
        }
        out[size] = {k: {"value": got[k], "limit": v, "ok": got[k] <= v} for k, v in limits.items()}
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    args = parser.parse_args()
    rows = {}
    for n in args.sizes:
        rows[str(n)] = row = measure(n)
        cold = row["cold"]
        print(
            f"{n:>7} rounds, {n // 2} rehearsals: cold dvc repro {cold['wall_s']} s, peak "
            f"{cold['peak_mb']} MB; one new round {row['new_round']['wall_s']} s",
            flush=True,
        )
        for stage, s in cold["stages"].items():
            print(f"          {stage:14} {s['seconds']:>8} s {s['peak_mb']:>8} MB", flush=True)
    target = ROOT / "reports" / "bench_scale.json"
    today = dt.date.today().isoformat()
    load = round(os.getloadavg()[0], 2)  # a shared machine: read figures with it
    for row in rows.values():
        row |= {"date": today, "load_avg_1m": load}
    # sizes not run this time keep their last figures (a 100k run takes most of an hour)
    with contextlib.suppress(OSError, ValueError, KeyError):
        rows = json.loads(target.read_text())["sizes"] | rows
    result = {"date": today, "load_avg_1m": load, "sizes": rows, "targets": verdicts(rows)}
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
