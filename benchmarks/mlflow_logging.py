"""Logging N rehearsals to MLflow, each into a fresh SQLite store: batched (what the rehearse
stage does: each run created with its tags, its scorecard written, one log_batch, finished;
the store in WAL mode while it logs) against one call per value; a rerun of the batched path,
which must add no run; and the floor: what each MLflow call of a batched run costs alone.

Target: >= 250 rehearsals a second (4 ms each) into the local store. Wall time on a shared
machine moves with the other load, so CPU time (user + system, this process) is reported
beside it, with the 1-minute load average; --repeats keeps the best batched log of k.

    python benchmarks/mlflow_logging.py [--n 1000] [--repeats 1] [--no-per-value] [--out F]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from prepops.training import tracking
from prepops.training.bulk_store import write_ahead, write_artifact

ROOT = Path(__file__).resolve().parents[1]
METRICS = ("coverage", "filler_rate", "snr", "wpm", "words", "latency_s", "order_score")
TARGET_PER_S = 250
FLOOR_RUNS = 300  # runs timed call by call: enough for a stable mean, cheap beside the log


def payloads(n: int) -> list[dict]:
    """N synthetic rehearsals' payloads, as the rehearse stage builds them."""
    out = []
    for i in range(n):
        record = {
            "id": f"r{i:05d}",
            "date": f"2026-{1 + i % 9:02d}-{1 + i % 27:02d}",
            "mode": "debugging",
            "company": None,
            "template_version": "v1",
            "template_version_stamped": False,
            "self_score": 3,
            "scores": {
                **{k: float((i * 7 + j) % 11) / 10 for j, k in enumerate(METRICS)},
                "has_stop": True,
                "markers": ["restatement"],
                "numeric_anchors": [],
            },
        }
        out.append(tracking.rehearsal_payload(record, {}, METRICS))
    return out


def cpu_s() -> float:
    """CPU seconds this process has used (user + system, every thread)."""
    t = os.times()
    return t.user + t.system


def per_value(client, exp_id: str, items: list[dict]) -> None:
    """The naive way: one client call per metric, param and tag."""
    for p in items:
        ts = tracking._ms(p["date"])
        run = client.create_run(exp_id, start_time=ts, run_name=p["id"])
        for k, v in p["tags"].items():
            client.set_tag(run.info.run_id, k, v)
        client.set_tag(run.info.run_id, "fingerprint", p["fingerprint"])
        client.set_tag(run.info.run_id, "superseded", "false")
        for k, v in p["params"].items():
            client.log_param(run.info.run_id, k, v)
        for k, v in p["metrics"].items():
            client.log_metric(run.info.run_id, k, v, timestamp=ts)
        client.log_dict(run.info.run_id, p["scorecard"], "scorecard.json")
        client.set_terminated(run.info.run_id, end_time=ts)


def timed(fn, *args) -> tuple[float, float, object]:
    """Wall and CPU seconds of fn(*args), and what it returned."""
    wall, cpu = time.perf_counter(), cpu_s()
    out = fn(*args)
    return time.perf_counter() - wall, cpu_s() - cpu, out


def in_fresh_store(fn):
    """fn(client, experiment id) on a new SQLite store in a temp dir; what fn returned."""
    with tempfile.TemporaryDirectory() as tmp:
        client = tracking.client(Path(tmp))  # MLFLOW_TRACKING_URI unset: store in tmp
        return fn(client, tracking.experiment_id(client, "bench", Path(tmp)))


def batched(items: list[dict]) -> dict:
    """The rehearse stage's log of `items`, then its rerun (which must log nothing)."""

    def run(client, exp: str) -> dict:
        wall, cpu, _ = timed(tracking.log_rehearsals, client, exp, items, "bench")
        rerun, _, counts = timed(tracking.log_rehearsals, client, exp, items, "bench")
        return {"wall": wall, "cpu": cpu, "rerun": rerun, "new": counts["logged"]}

    return in_fresh_store(run)


def floor(items: list[dict]) -> dict[str, dict[str, float]]:
    """Each step of a batched run timed alone (ms a run, wall and CPU), in the same order
    and with the same arguments as tracking._log_rehearsal, the store in WAL mode."""
    from mlflow.entities import Metric, Param

    spent: dict[str, list[float]] = {}

    def step(name: str, fn, *args):
        wall, cpu, out = timed(fn, *args)
        total = spent.setdefault(name, [0.0, 0.0])
        total[0], total[1] = total[0] + wall, total[1] + cpu
        return out

    def run(client, exp: str) -> None:
        with write_ahead(client, client.tracking_uri):
            for p in items:
                ts = tracking._ms(p["date"])
                tags = {**p["tags"], "superseded": "false", "git_commit": "bench"}
                tags |= {"mlflow.note.content": p["id"], "fingerprint": p["fingerprint"]}
                made = step("create_run", client.create_run, exp, ts, tags, p["id"])
                card = json.dumps(p["scorecard"], indent=2, sort_keys=True)
                step("scorecard", write_artifact, made.info.artifact_uri, "scorecard.json", card)
                metrics = [Metric(k, v, ts, 0) for k, v in sorted(p["metrics"].items())]
                params = [Param(k, v) for k, v in sorted(p["params"].items())]
                step("log_batch", client.log_batch, made.info.run_id, metrics, params)
                step("set_terminated", client.set_terminated, made.info.run_id, "FINISHED", ts)

    in_fresh_store(run)
    n = len(items)
    return {k: {"wall_ms": 1000 * w / n, "cpu_ms": 1000 * c / n} for k, (w, c) in spent.items()}


def verdict(per_s: float, steps: dict[str, dict[str, float]]) -> str:
    """Whether the target is met; if not, which MLflow call's own cost stands in the way."""
    budget = 1000 / TARGET_PER_S
    if per_s >= TARGET_PER_S:
        return f"met: {per_s:.0f}/s >= {TARGET_PER_S}/s"
    calls = {k: v["cpu_ms"] for k, v in steps.items() if k != "scorecard"}
    worst = max(calls, key=calls.get)
    over = [k for k, ms in calls.items() if ms > budget]
    why = (
        f"{' and '.join(over)} alone take{'s' if len(over) == 1 else ''} more CPU than"
        if over
        else f"the three MLflow calls take {sum(calls.values()):.1f} ms CPU together, over"
    )
    return (
        f"missed: {per_s:.0f}/s; {why} the {budget:.0f} ms a rehearsal allows (largest:"
        f" {worst} {calls[worst]:.1f} ms CPU; MLflow's three calls {sum(calls.values()):.1f} ms)"
    )


def measure(n: int, repeats: int, with_per_value: bool) -> dict:
    """Every figure of the report for n rehearsals."""
    items = payloads(n)
    best = min((batched(items) for _ in range(max(1, repeats))), key=lambda r: r["wall"])
    result: dict = {"n": n, "repeats": max(1, repeats)}
    result["batched_s"] = round(best["wall"], 2)
    result["batched_cpu_s"] = round(best["cpu"], 2)
    result["batched_ms_per_rehearsal"] = round(1000 * best["wall"] / n, 2)
    result["batched_cpu_ms_per_rehearsal"] = round(1000 * best["cpu"] / n, 2)
    result["batched_per_s"] = round(n / best["wall"], 1)
    result["batched_per_cpu_s"] = round(n / best["cpu"], 1)  # the rate on an idle core
    result["rerun_s"] = round(best["rerun"], 2)
    result["rerun_new_runs"] = best["new"]
    if with_per_value:
        wall, _, _ = timed(in_fresh_store, lambda c, e: per_value(c, e, items))
        result["per_value_s"] = round(wall, 2)
        result["speedup"] = round(wall / best["wall"], 2)
    steps = floor(items[:FLOOR_RUNS])
    result["floor_runs"] = min(n, FLOOR_RUNS)
    result["floor_ms"] = {k: {m: round(v, 2) for m, v in s.items()} for k, s in steps.items()}
    result["target_per_s"] = TARGET_PER_S
    result["verdict"] = verdict(result["batched_per_s"], steps)
    result["load_avg_1m"] = round(os.getloadavg()[0], 2)  # a shared machine: read with it
    return result


def main() -> None:
    """Measure, write the report (reports/bench_mlflow.json unless --out), print a summary."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=1, help="best batched log of k")
    parser.add_argument("--no-per-value", action="store_true", help="skip the naive way")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "bench_mlflow.json")
    args = parser.parse_args()
    result = measure(args.n, args.repeats, not args.no_per_value)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    naive = (
        f"; one call per value {result['per_value_s']} s ({result['speedup']}x)"
        if "per_value_s" in result
        else ""
    )
    steps = ", ".join(f"{k} {v['cpu_ms']}" for k, v in result["floor_ms"].items())
    print(
        f"MLflow, {args.n} rehearsals: batched {result['batched_s']} s, "
        f"{result['batched_ms_per_rehearsal']} ms each ({result['batched_per_s']}/s), "
        f"CPU {result['batched_cpu_ms_per_rehearsal']} ms each "
        f"({result['batched_per_cpu_s']}/s){naive}; rerun {result['rerun_s']} s, "
        f"{result['rerun_new_runs']} new runs; load {result['load_avg_1m']}\n"
        f"  CPU ms a run, call by call ({result['floor_runs']} runs): {steps}\n"
        f"  target {TARGET_PER_S}/s: {result['verdict']}"
    )


if __name__ == "__main__":
    main()
