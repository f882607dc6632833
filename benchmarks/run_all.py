"""`make bench`: every benchmark, then reports/bench.json and a table against the targets.

python benchmarks/run_all.py            # the full set (about 8 minutes on 2 cores)
python benchmarks/run_all.py --tiny     # the harness on tiny sizes (what the tests run)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent


def step(script: str, *args: str) -> None:
    subprocess.run([sys.executable, str(HERE / script), *args], cwd=ROOT, check=True)


def load(name: str) -> dict:
    path = ROOT / "reports" / f"bench_{name}.json"
    return json.loads(path.read_text()) if path.exists() else {}


def verdict(value, limit, better: str = "lower") -> str:
    if value is None:
        return "not measured"
    ok = value <= limit if better == "lower" else value >= limit
    return "ok" if ok else "MISSED"


def table(bench: dict) -> list[tuple[str, object, str, str]]:
    repro, router = bench.get("repro", {}), bench.get("router", {})
    scale, mlflow = bench.get("scale", {}).get("sizes", {}), bench.get("mlflow", {})
    big, mid = scale.get("100000", {}), scale.get("10000", {})
    peak = max(
        (big[s]["peak_mb"] for s in ("validate", "evaluate", "monitor") if s in big), default=None
    )
    ratio = (
        round(big["total_s"] / mid["total_s"], 2)
        if big.get("total_s") and mid.get("total_s")
        else None
    )
    route = repro.get("cli_route_s") or router.get("cold_process", {}).get("route", {}).get(
        "median_s"
    )
    rows = [
        (
            "cold repro (s)",
            repro.get("cold_repro_s"),
            "< 20",
            verdict(repro.get("cold_repro_s"), 20),
        ),
        (
            "cold / floor",
            repro.get("cold_over_floor"),
            "<= 2",
            verdict(repro.get("cold_over_floor"), 2),
        ),
        (
            "no-op repro (s)",
            repro.get("noop_repro_s"),
            "<= 1.5",
            verdict(repro.get("noop_repro_s"), 1.5),
        ),
        (
            "incremental / cold",
            repro.get("incremental_over_cold"),
            "<= 0.5",
            verdict(repro.get("incremental_over_cold"), 0.5),
        ),
        ("prepops route (s)", route, "< 0.5", verdict(route, 0.5)),
        (
            "prepops score (s)",
            repro.get("cli_score_s"),
            "< 0.7",
            verdict(repro.get("cli_score_s"), 0.7),
        ),
        ("prepops validate (s)", repro.get("cli_validate_s"), "-", "measured"),
        ("100k rounds total (s)", big.get("total_s"), "< 60", verdict(big.get("total_s"), 60)),
        ("100k peak memory (MB)", peak, "< 4096", verdict(peak, 4096)),
        ("time 100k / 10k", ratio, "<= 12", verdict(ratio, 12)),
        (
            "MLflow batched speedup",
            mlflow.get("speedup"),
            ">= 2.5",
            verdict(mlflow.get("speedup"), 2.5, "higher"),
        ),
        (
            "MLflow rerun new runs",
            mlflow.get("rerun_new_runs"),
            "0",
            verdict(mlflow.get("rerun_new_runs"), 0),
        ),
        (
            "router top-1 accuracy",
            router.get("accuracy", {}).get("full blend", {}).get("all", {}).get("accuracy"),
            ">= 0.85",
            verdict(
                router.get("accuracy", {}).get("full blend", {}).get("all", {}).get("accuracy"),
                0.85,
                "higher",
            ),
        ),
    ]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tiny", action="store_true", help="tiny sizes, one run (for tests)")
    args = parser.parse_args()
    if args.tiny:
        step("scale.py", "--sizes", "300")
        step("mlflow_logging.py", "--n", "20")
        step("router_accuracy.py", "--runs", "1")
    else:
        step("repro.py", "--runs", "5")
        step("scale.py", "--sizes", "1000", "10000", "100000")
        step("mlflow_logging.py", "--n", "1000")
        step("router_accuracy.py", "--runs", "7")
    bench = {name: load(name) for name in ("repro", "scale", "mlflow", "router")}
    rows = table(bench)
    bench["targets"] = [
        {"measure": m, "value": v, "target": t, "verdict": r} for m, v, t, r in rows
    ]
    (ROOT / "reports" / "bench.json").write_text(json.dumps(bench, indent=2) + "\n")
    print(f"\n{'measure':28} {'value':>10}  {'target':>8}  verdict")
    for measure, value, target, result in rows:
        print(f"{measure:28} {value if value is not None else '-':>10}  {target:>8}  {result}")
    print("wrote reports/bench.json")


if __name__ == "__main__":
    main()
