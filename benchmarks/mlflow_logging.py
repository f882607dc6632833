"""Logging N rehearsals to MLflow: batched (what the rehearse stage does: each run created
with its tags, one log_batch, the SQLite store in WAL mode while it logs) against one call
per value, each into a fresh SQLite store; then a rerun of the batched path, which must add
no run. Target: >= 250 rehearsals a second (4 ms each) into the local store.

    python benchmarks/mlflow_logging.py [--n 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from prepops.training import tracking

ROOT = Path(__file__).resolve().parents[1]
METRICS = ("coverage", "filler_rate", "snr", "wpm", "words", "latency_s", "order_score")


def payloads(n: int) -> list[dict]:
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    args = parser.parse_args()
    items = payloads(args.n)
    result = {"n": args.n}
    for name in ("batched", "per_value"):
        with tempfile.TemporaryDirectory() as tmp:
            client = tracking.client(Path(tmp))  # MLFLOW_TRACKING_URI unset: store in tmp
            exp = tracking.experiment_id(client, "bench", Path(tmp))
            start = time.perf_counter()
            if name == "batched":
                tracking.log_rehearsals(client, exp, items, "bench")
            else:
                per_value(client, exp, items)
            result[f"{name}_s"] = round(time.perf_counter() - start, 2)
            if name == "batched":
                start = time.perf_counter()
                counts = tracking.log_rehearsals(client, exp, items, "bench")
                result["rerun_s"] = round(time.perf_counter() - start, 2)
                result["rerun_new_runs"] = counts["logged"]
    result["speedup"] = round(result["per_value_s"] / result["batched_s"], 2)
    result["batched_ms_per_rehearsal"] = round(1000 * result["batched_s"] / args.n, 2)
    result["batched_per_s"] = round(args.n / result["batched_s"], 1)
    result["load_avg_1m"] = round(os.getloadavg()[0], 2)  # a shared machine: read with it
    target = ROOT / "reports" / "bench_mlflow.json"
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"MLflow, {args.n} rehearsals: batched {result['batched_s']} s "
        f"({result['batched_ms_per_rehearsal']} ms each, {result['batched_per_s']}/s), "
        f"one call per value {result['per_value_s']} s ({result['speedup']}x); "
        f"rerun {result['rerun_s']} s, {result['rerun_new_runs']} new runs"
    )


if __name__ == "__main__":
    main()
