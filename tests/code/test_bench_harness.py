"""The benchmark harness runs end to end on tiny sizes. No timing is asserted here: speed
is measured by `make bench`, never by tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ROOT


def test_harness_runs_on_tiny_sizes() -> None:
    reports = ROOT / "reports"
    saved = {p.name: p.read_bytes() for p in reports.glob("bench*.json")}
    try:
        subprocess.run(
            [sys.executable, "benchmarks/run_all.py", "--tiny"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            env={**os.environ, "MLFLOW_TRACKING_URI": ""},
        )
        bench = json.loads((reports / "bench.json").read_text())
        assert bench["scale"]["sizes"]["300"]["monitor"]["seconds"] > 0
        assert bench["mlflow"]["rerun_new_runs"] == 0
        measures = {row["measure"] for row in bench["targets"]}
        assert {"cold repro (s)", "100k rounds total (s)", "MLflow batched speedup"} <= measures
    finally:
        for p in reports.glob("bench*.json"):
            p.unlink()
        for name, data in saved.items():
            (reports / name).write_bytes(data)
