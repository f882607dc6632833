"""What Prefect costs per stage: the same work with and without orchestration.

Runs in a temporary project folder (params.yaml pointing at the demo workspace), so the
repository's own outputs are untouched. Prints a table and writes reports/bench_stages.json.

    python benchmarks/stage_overhead.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The same flow bodies in one plain process (Prefect's tasks as plain calls), as repro.py
from repro import FLOOR  # noqa: E402  (benchmarks/ is this script's import path)


def timed(args: list[str], cwd: Path, env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(args, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def server(action: str, home: Path, env: dict) -> None:
    code = (
        f"import pathlib, prepops.runtime.prefect_server as o; o.{action}(pathlib.Path(r'{home}'))"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / "params.yaml").write_text(f"workspace: {ROOT / 'data'}\n")
        (project / "dvc.yaml").write_text("stages: {}\n")
        env = {**os.environ, "PREFECT_HOME": str(project / ".prefect"), "PYTHONPATH": str(ROOT)}
        env.pop("PREFECT_API_URL", None)
        results: dict[str, list[float]] = {
            k: []
            for k in (
                "floor (one process, no Prefect)",
                "shared server: first start (once)",
                "ingest stage, shared server",
                "validate stage, shared server",
                "ingest stage, Prefect temporary server",
            )
        }
        floor_cmd = [py, "-c", FLOOR, "ingest", "validate"]
        for _ in range(runs):
            results["floor (one process, no Prefect)"].append(timed(floor_cmd, project, env))
        start = time.perf_counter()
        server("ensure_server", project / ".prefect", env)
        results["shared server: first start (once)"].append(time.perf_counter() - start)
        try:
            for _ in range(runs):
                for stage in ("ingest", "validate"):
                    elapsed = timed([py, "-m", "prepops.runtime.stage", stage], project, env)
                    results[f"{stage} stage, shared server"].append(elapsed)
            temp_env = {**env, "PREPOPS_PREFECT_SERVER": "temporary"}
            for _ in range(max(1, runs - 1)):
                results["ingest stage, Prefect temporary server"].append(
                    timed([py, "-m", "prepops.runtime.stage", "ingest"], project, temp_env)
                )
        finally:
            server("stop_server", project / ".prefect", env)
    table = {
        k: {"median_s": round(statistics.median(v), 2), "runs": len(v)} for k, v in results.items()
    }
    print(f"{'measure':45} {'median s':>9} {'runs':>5}")
    for name, row in table.items():
        print(f"{name:45} {row['median_s']:9.2f} {row['runs']:5d}")
    out = ROOT / "reports" / "bench_stages.json"
    out.write_text(json.dumps({"machine_cores": os.cpu_count(), "results": table}, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
