"""`make bench`: every benchmark, then reports/bench.json and a table against the targets.

python benchmarks/run_all.py            # the full set (about 20 minutes on 2 cores)
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


def verdict(value, limit, better: str) -> str:
    if limit is None:
        return "measured"
    if value is None:
        return "not measured"
    ok = value <= limit if better == "lower" else value >= limit
    return "ok" if ok else "MISSED"


def table(bench: dict) -> list[tuple[str, object, str, str]]:
    repro, router = bench.get("repro", {}), bench.get("router", {})
    scale, mlflow = bench.get("scale", {}).get("sizes", {}), bench.get("mlflow", {})
    big, mid = scale.get("100000", {}), scale.get("10000", {})
    peak = big.get("cold", {}).get("peak_mb")  # the largest stage process of the cold run
    route = repro.get("cli_route_s") or router.get("cold_process", {}).get("route", {}).get(
        "median_s"
    )
    accuracy = router.get("accuracy", {}).get("full blend", {}).get("all", {}).get("accuracy")
    # measure, value, target as printed, limit, which side of it passes
    specs = [
        ("cold repro (s)", repro.get("cold_repro_s"), "< 20", 20, "lower"),
        ("cold / floor", repro.get("cold_over_floor"), "<= 2", 2, "lower"),
        ("no-op repro (s)", repro.get("noop_repro_s"), "<= 1.5", 1.5, "lower"),
        ("incremental / cold", repro.get("incremental_over_cold"), "<= 0.5", 0.5, "lower"),
        ("prepops route (s)", route, "< 0.5", 0.5, "lower"),
        ("prepops score (s)", repro.get("cli_score_s"), "< 0.7", 0.7, "lower"),
        ("prepops validate (s)", repro.get("cli_validate_s"), "-", None, "lower"),
        ("10k cold repro (s)", mid.get("total_s"), "<= 60", 60, "lower"),
        ("10k one new round (s)", mid.get("new_round", {}).get("wall_s"), "<= 10", 10, "lower"),
        ("100k rounds total (s)", big.get("total_s"), "<= 600", 600, "lower"),
        ("100k peak memory (MB)", peak, "<= 4096", 4096, "lower"),
        ("MLflow batched speedup", mlflow.get("speedup"), ">= 2.5", 2.5, "higher"),
        ("MLflow rehearsals / s", mlflow.get("batched_per_s"), ">= 250", 250, "higher"),
        ("MLflow rerun new runs", mlflow.get("rerun_new_runs"), "0", 0, "lower"),
        ("router top-1 accuracy", accuracy, ">= 0.85", 0.85, "higher"),
    ]
    rows = [(m, v, t, verdict(v, limit, better)) for m, v, t, limit, better in specs]
    return [*rows, faults_row(bench.get("faults", {})), *null_rows(bench.get("null", {}))]


def null_rows(null: dict) -> list[tuple[str, object, str, str]]:
    """False alarms that would drive the plan (benchmarks/null_alarms.py): medium+ on null
    synthetic workspaces at <= 5% and high at <= 1% per size; the permuted demo <= 5%."""
    rows = []
    for size, res in sorted(null.get("synth", {}).items()):
        for key, label, limit in (("medium_or_high", "medium+", 0.05), ("high", "high", 0.01)):
            r = res[key]
            rows.append((f"null {size} {label} (n={r['n']})", r["rate"], f"<= {limit}",
                         verdict(r["rate"], limit, "lower")))  # fmt: skip
    demo = null.get("demo_permuted", {}).get("false_medium_or_high")
    if demo:
        rows.append((f"permuted demo medium+ (n={demo['n']})", demo["rate"], "<= 0.05",
                     verdict(demo["rate"], 0.05, "lower")))  # fmt: skip
    return rows


def faults_row(faults: dict) -> tuple[str, object, str, str]:
    """Kill -9 inside MLflow logging (benchmarks/faults.py): the kill points after whose
    rerun every invariant holds, of how many; target: all of at least 5."""
    points = faults.get("points", [])
    if not points:
        return ("kill -9 points, invariants", None, "all hold", "not measured")
    held = sum(1 for p in points if p.get("holds"))
    ok = held == len(points) >= 5 and faults.get("rehearsals", 0) >= 1000
    return (
        "kill -9 points, invariants",
        f"{held}/{len(points)}",
        "all hold",
        "ok" if ok else "MISSED",
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tiny", action="store_true", help="tiny sizes, one run (for tests)")
    args = parser.parse_args()
    if args.tiny:
        step("scale.py", "--sizes", "300")
        step("mlflow_logging.py", "--n", "20")
        step("router_accuracy.py", "--runs", "1")
        step("null_alarms.py", "--seeds", "2", "--permutations", "2")
    else:
        step("repro.py", "--runs", "5")
        step("scale.py", "--sizes", "1000", "10000", "100000")
        step("mlflow_logging.py", "--n", "1000")
        step("router_accuracy.py", "--runs", "7")
        step("faults.py", "--rehearsals", "1000")
        step("null_alarms.py")  # 400 null workspaces and 50 permuted demos: a few minutes
    names = ("repro", "scale", "mlflow", "router", "faults", "null")
    bench = {name: load(name) for name in names}
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
