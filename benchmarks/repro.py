"""`dvc repro` on the demo in a temporary git copy: cold, the floor (the same computations
in one plain Python process, no Prefect, no DVC), no-op, incremental after one new round,
and the quick CLI commands as cold processes. Medians of --runs.

    python benchmarks/repro.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.repo_copy: the same fresh copy the e2e tests use
from tests.repo_copy import BIN, git_copy  # noqa: E402

STAGES = ("ingest", "validate", "rehearse", "train_router", "evaluate", "monitor", "plan", "report")

# Every stage's flow body in one process with Prefect switched off: tasks become plain
# calls and the run logger a standard logger. Imports are paid once, as a script would.
FLOOR = """
import importlib, logging, sys
from prefect import Task
from prefect.utilities.annotations import BaseAnnotation
un = lambda v: v.unwrap() if isinstance(v, BaseAnnotation) else v  # quote(...) arguments
Task.__call__ = lambda self, *a, **k: self.fn(*map(un, a), **{n: un(v) for n, v in k.items()})
from prepops.runtime.paths import Paths
from prepops.runtime.settings import load_settings
paths = Paths(); settings = load_settings(paths.params); log = logging.getLogger("floor")
importlib.import_module("prepops.runtime.as_of").main()  # the as_of stage (milliseconds)
for stage in sys.argv[1:]:
    mod = importlib.import_module(f"pipelines.{stage}")
    mod.get_run_logger = lambda: log
    got = {}
    mod.run = lambda flow, build: got.update(flow=flow, build=build)
    mod.main()
    got["flow"].fn(**got["build"](settings, paths))
"""


def clock(cmd: list[str], cwd: Path, env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def cold_state(dst: Path, env: dict) -> None:
    """As on a new machine after `make install`: no outputs, no cache, no MLflow store, no
    running server (the Prefect database is kept: `make install` migrates it)."""
    subprocess.run([str(BIN / "prepops"), "stop"], cwd=dst, env=env, capture_output=True)
    for rel in ("dvc.lock", "mlflow.db"):
        (dst / rel).unlink(missing_ok=True)
    for rel in (
        ".dvc/cache",
        "mlartifacts",
        "reports/tables",
        "reports/router",
        "reports/data_docs",
        "reports/plots",
    ):
        shutil.rmtree(dst / rel, ignore_errors=True)


def median(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def run(runs: int) -> dict:
    out: dict = {"runs": runs}
    with tempfile.TemporaryDirectory() as tmp:
        dst = Path(tmp)
        env = git_copy(dst) | {"PREPOPS_ROOT": str(dst)}
        subprocess.run(
            [str(BIN / "prefect"), "server", "database", "upgrade", "-y"],
            cwd=dst,
            env=env,
            check=True,
            capture_output=True,
        )
        cold, floor = [], []
        for _ in range(runs):
            cold_state(dst, env)
            cold.append(clock(["dvc", "repro"], dst, env))
            cold_state(dst, env)
            floor.append(clock([sys.executable, "-c", FLOOR, *STAGES], dst, env))
        cold_state(dst, env)
        clock(["dvc", "repro"], dst, env)
        noop = [clock(["dvc", "repro"], dst, env) for _ in range(runs)]
        incremental = []
        template = (dst / "data" / "rounds" / "lumen-final-2026-11-18.yaml").read_text()
        for i in range(runs):
            new = template.replace("id: lumen-final-2026-11-18", f"id: lumen-extra-{i:03d}")
            (dst / "data" / "rounds" / f"lumen-extra-{i:03d}.yaml").write_text(new)
            incremental.append(clock(["dvc", "repro"], dst, env))
        q = "Our checkout page got 3x slower after the deploy. What now?"
        transcript = dst / "answer.txt"
        transcript.write_text("So the question is where the time went. That's my answer.")
        cli = {
            "route": [str(BIN / "prepops"), "route", q],
            "score": [str(BIN / "prepops"), "score", str(transcript), "--duration-s", "30"],
            "validate": [str(BIN / "prepops"), "validate", "data"],
        }
        for name, cmd in cli.items():
            out[f"cli_{name}_s"] = median([clock(cmd, dst, env) for _ in range(max(runs, 5))])
        subprocess.run([str(BIN / "prepops"), "stop"], cwd=dst, env=env, capture_output=True)
    out |= {
        "cold_repro_s": median(cold),
        "floor_s": median(floor),
        "cold_over_floor": round(median(cold) / median(floor), 2),
        "noop_repro_s": median(noop),
        "incremental_repro_s": median(incremental),
        "incremental_over_cold": round(median(incremental) / median(cold), 2),
        # every run, for the spread behind each median
        "cold_runs_s": [round(x, 2) for x in cold],
        "incremental_runs_s": [round(x, 2) for x in incremental],
        "noop_runs_s": [round(x, 2) for x in noop],
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    result = run(args.runs)
    target = ROOT / "reports" / "bench_repro.json"
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(result, indent=2) + "\n")
    for key, value in result.items():
        print(f"{key:>24}: {value}")


if __name__ == "__main__":
    main()
