"""False alarms that would drive the plan: the monitor on workspaces with nothing to find.

Two kinds of null workspace:

- synthetic (`prepops synth`, nothing planted: calibrated confidence, every company drawn
  from the same mixes), seeds 100.. at 4 companies x 8 rounds and 6 x 10;
- the demo workspace (data/, written by hand, not by synth) with its effects broken by
  permutation: per permutation (fixed seed) each round's outcome block (confidence,
  outcome, rubric scores) is moved to another round, and dates are shuffled over rounds.
  That randomises per-company calibration, forgetting, round trends, interference and
  rubric emphasis; what the shuffle leaves alone (overall calibration, consensus,
  misrouting, rehearsal trends, stage, mode and follow-up mixes) is the demo's own content,
  identical in every permutation, and not counted as a false alarm.

A workspace counts when it has a medium or high finding (those become patches). Rates come
with Clopper-Pearson 95% intervals and their n. Writes reports/bench_null.json.

    python benchmarks/null_alarms.py            # 200 seeds per size, 50 permutations
    python benchmarks/null_alarms.py --quick    # 20 seeds per size, 5 permutations
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

import numpy as np
from scipy import stats

from prepops.data import synth, workspace
from prepops.monitoring.monitor import monitor
from prepops.runtime.settings import Monitor
from prepops.training import scoring as rehearse
from prepops.training.markers import default_phrases

ROOT = Path(__file__).resolve().parents[1]
SIZES = {"4x8": (4, 32), "6x10": (6, 60)}
STRONG_RUBRIC = 4.0  # params.yaml evaluate.strong_rubric's default
ACTED_ON = {"medium", "high"}


def clopper_pearson(k: int, n: int) -> list[float]:
    """Exact 95% interval of a rate k/n."""
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
    return [round(ci.low, 4), round(ci.high, 4)]


def rate(k: int, n: int) -> dict:
    """k of n as a rate with its interval."""
    return {"k": k, "n": n, "rate": round(k / n, 4), "ci95": clopper_pearson(k, n)}


def _records(tables: dict) -> list[dict]:
    tables["rehearsals"]["template_version_stamped"] = False
    return rehearse.score_rehearsals(
        tables["rehearsals"], tables["experts"], tables["evidence"], default_phrases()
    )


def synth_nulls(companies: int, rounds: int, seeds: range) -> dict:
    """Medium+ and high rates over null synthetic workspaces; which kinds raised them."""
    loud, high, kinds = 0, 0, Counter()
    for s in seeds:
        spec = synth.Spec(seed=s, companies=companies, rounds=rounds)
        ws = workspace.from_documents(synth.documents(spec))
        found = monitor(ws.tables, _records(ws.tables), Monitor(seed=s), STRONG_RUBRIC)
        acted = [f for f in found["findings"] if f["severity"] in ACTED_ON]
        loud += bool(acted)
        high += any(f["severity"] == "high" for f in acted)
        kinds.update({f["kind"] for f in acted})
    n = len(seeds)
    return {
        "seeds": [seeds.start, seeds.stop - 1],
        "medium_or_high": rate(loud, n),
        "high": rate(high, n),
        "by_kind": dict(sorted(kinds.items())),
    }


def broken(finding: dict) -> bool:
    """Is this a test whose inputs the demo permutation randomised (module docstring)?"""
    kind, subject = finding["kind"], finding["subject"]
    if kind in ("overconfidence", "underconfidence", "threshold_mismatch"):
        return finding.get("company") is not None
    if kind == "temporal_drift":
        return subject.startswith("rounds:")
    if kind == "distribution_shift":
        return subject.endswith("rubric emphasis")
    return kind in ("forgetting", "interference")


def permuted_demo(tables: dict, rng) -> dict:
    """The demo's tables with the outcome block and the dates shuffled over rounds."""
    rounds = tables["rounds"].reset_index(drop=True).copy()
    block = ["confidence", "outcome"] + [c for c in rounds.columns if c.startswith("rubric.")]
    rounds[block] = rounds[block].iloc[rng.permutation(len(rounds))].to_numpy()
    rounds["date"] = rounds["date"].iloc[rng.permutation(len(rounds))].to_numpy()
    return {**tables, "rounds": rounds}


def demo_nulls(permutations: int) -> dict:
    """False alarms on the demo with its effects permuted away (fixed seeds 0..)."""
    tables = workspace.load(ROOT / "data").tables
    records = _records(tables)
    loud, loud_any, kinds = 0, 0, Counter()
    for seed in range(permutations):
        shuffled = permuted_demo(tables, np.random.default_rng(seed))
        found = monitor(shuffled, records, Monitor(seed=seed), STRONG_RUBRIC)["findings"]
        acted = [f for f in found if f["severity"] in ACTED_ON]
        false = [f for f in acted if broken(f)]
        loud += bool(false)
        loud_any += bool(acted)
        kinds.update({f["kind"] for f in false})
    return {
        "permutations": permutations,
        "rounds": len(tables["rounds"]),
        "false_medium_or_high": rate(loud, permutations),
        "by_kind": dict(sorted(kinds.items())),
        "any_medium_or_high_incl_fixed_content": rate(loud_any, permutations),
    }


def main() -> None:
    """Run both nulls and write reports/bench_null.json."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="20 seeds, 5 permutations")
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--permutations", type=int, default=50)
    args = parser.parse_args()
    seeds = 20 if args.quick else args.seeds
    permutations = 5 if args.quick else args.permutations
    start = time.perf_counter()
    out = {
        "synth": {
            size: synth_nulls(c, r, range(100, 100 + seeds)) for size, (c, r) in SIZES.items()
        },
        "demo_permuted": demo_nulls(permutations),
    }
    out["seconds"] = round(time.perf_counter() - start, 1)
    (ROOT / "reports" / "bench_null.json").write_text(json.dumps(out, indent=2) + "\n")
    for size, res in out["synth"].items():
        m, h = res["medium_or_high"], res["high"]
        print(f"synth {size}: medium+ {m['k']}/{m['n']} {m['ci95']}, high {h['k']}/{h['n']}")
    d = out["demo_permuted"]["false_medium_or_high"]
    print(f"demo permuted: false medium+ {d['k']}/{d['n']} {d['ci95']}")


if __name__ == "__main__":
    main()
