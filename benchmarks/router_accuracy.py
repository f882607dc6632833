"""Router quality and speed: top-1 accuracy on the labelled question set (per mode, with n and
a 95 % Wilson interval), optionally on questions from outside the project, and `prepops route`
as a cold process. Trains on the demo workspace only (its cards and logged questions).

Writes reports/bench_router.json and prints a table. `--outside FILE` reads a questions.jsonl
kept outside the repository (format in benchmarks/outside_words.py; never committed) and is
skipped when the file is absent.

    python benchmarks/router_accuracy.py [--runs 5] [--outside /tmp/outside/questions.jsonl]
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
from collections import Counter
from pathlib import Path

import yaml

from prepops.data.workspace import load
from prepops.evaluation.calibration import wilson
from prepops.model import fitting as rt
from prepops.runtime.settings import Router as RouterSettings

ROOT = Path(__file__).resolve().parents[1]


def accuracy() -> dict:
    tables = load(ROOT / "data").tables
    labelled = rt.labelled_questions(tables)
    cards, keywords = rt.card_cues(tables), rt.card_keywords(tables)
    items = yaml.safe_load((ROOT / "tests" / "data" / "questions.yaml").read_text())
    variants = {
        "full blend": RouterSettings(),
        "no classifier (cues + prior)": RouterSettings(use_classifier=False),
        "no built-in cues or seeds": RouterSettings(
            use_builtin_cues=False, use_seed_questions=False
        ),
        "cards only (no built-ins)": RouterSettings(
            use_classifier=False, use_builtin_cues=False, use_seed_questions=False
        ),
    }
    out = {}
    for name, recipe in variants.items():
        model = rt.fit(labelled, cards, keywords, recipe)
        right, total = Counter(), Counter()
        confusions = Counter()
        for mode, questions in items.items():
            for q in questions:
                routed = model.route(q["text"])["mode"]
                for key in ("all", mode, "plain" if q.get("plain") else "cued"):
                    total[key] += 1
                    right[key] += routed == mode
                if routed != mode:
                    confusions[f"{mode}->{routed}"] += 1
        out[name] = {
            k: {
                "n": total[k],
                "accuracy": round(right[k] / total[k], 4),
                "ci95": wilson(right[k], total[k]),
            }
            for k in total
        } | {"confusions": dict(confusions.most_common(6))}
    return out


def demo_router():
    """The router fitted on the demo workspace with the default recipe."""
    tables = load(ROOT / "data").tables
    return rt.fit(
        rt.labelled_questions(tables),
        rt.card_cues(tables),
        rt.card_keywords(tables),
        RouterSettings(),
    )


def outside(path: Path | None) -> dict | None:
    """Full-blend top-1 per mode on an outside questions.jsonl; None when there is none."""
    if path is None or not path.exists():
        return None
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    model = demo_router()
    right, total = Counter(), Counter()
    for q in rows:
        hit = model.route(q["text"])["mode"] == q["mode"]
        for key in ("all", q["mode"]):
            total[key] += 1
            right[key] += hit
    return {
        k: {
            "n": total[k],
            "accuracy": round(right[k] / total[k], 4),
            "ci95": wilson(right[k], total[k]),
        }
        for k in total
    }


def cold_route(runs: int) -> dict:
    """Median wall time of `prepops route` in a fresh process (champion file present)."""
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / "params.yaml").write_text(f"workspace: {ROOT / 'data'}\n")
        (project / "dvc.yaml").write_text("stages: {}\n")
        champion = project / "reports" / "router" / "champion.json"
        champion.parent.mkdir(parents=True)
        model = demo_router()
        champion.write_text(json.dumps(model.to_dict()))
        exe = Path(sys.executable).with_name("prepops")
        env = {**os.environ, "PREPOPS_ROOT": str(project)}
        times = {}
        for command in ("route", "retrieve"):
            samples = []
            for _ in range(runs):
                start = time.perf_counter()
                subprocess.run(
                    [str(exe), command, "Our p99 doubled after the deploy. What now?"],
                    env=env,
                    check=True,
                    capture_output=True,
                )
                samples.append(time.perf_counter() - start)
            times[command] = {"median_s": round(statistics.median(samples), 3), "runs": runs}
        return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--outside", type=Path, help="questions.jsonl kept outside the repo")
    args = parser.parse_args()
    result = {"accuracy": accuracy(), "cold_process": cold_route(args.runs)}
    if (elsewhere := outside(args.outside)) is not None:
        result["outside"] = elsewhere
    target = ROOT / "reports" / "bench_router.json"
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{'router variant':32} {'all':>14} {'cued':>14} {'cue-free':>14}")
    for name, acc in result["accuracy"].items():
        cells = [f"{acc[k]['accuracy']:.3f} (n={acc[k]['n']})" for k in ("all", "cued", "plain")]
        print(f"{name:32} " + " ".join(f"{c:>14}" for c in cells))
    for label, table in (("own set", result["accuracy"]["full blend"]), *_outside(result)):
        for mode in ("all", "debugging", "architecture", "leadership", "product", "research"):
            fig = table[mode]
            low, high = fig["ci95"] or (None, None)
            print(f"{label:>8} {mode:<13} n={fig['n']:<4} {fig['accuracy']:.3f} [{low}, {high}]")
    for command, t in result["cold_process"].items():
        print(f"prepops {command} (cold process): median {t['median_s']} s over {t['runs']} runs")
    print(f"wrote {target.relative_to(ROOT)}")


def _outside(result: dict) -> list[tuple[str, dict]]:
    return [("outside", result["outside"])] if "outside" in result else []


if __name__ == "__main__":
    main()
