"""validate -> evaluate -> monitor on synthetic workspaces of 1k, 10k and 100k rounds: the
stages' computations (no orchestration), each in its own process, with wall time and peak
memory. The workspace is generated and ingested first (not timed).

    python benchmarks/scale.py [--sizes 1000 10000 100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PREPARE = """
import datetime as dt, json, sys
from pathlib import Path
from prepops.data import ingest
from prepops.training import scoring as rehearse
from prepops.data import synth
from prepops.data import workspace
from prepops.training.markers import default_phrases
from prepops.runtime.paths import Paths
from prepops.runtime.storage import write_json
n, out = int(sys.argv[1]), Path(sys.argv[2])
days = min(max(70, n // 4), 3000)
spec = synth.Spec(rounds=n, companies=max(4, n // 1000), rehearsals=min(n // 2, 5000), seed=1,
                  days=days, start=dt.date.today() - dt.timedelta(days=days + 1))
ws = workspace.from_documents(synth.documents(spec))
assert not ws.problems, ws.problems[:3]
tables = ws.tables
tables["rehearsals"]["template_version_stamped"] = False
paths = Paths(out)
ingest.write_tables(tables, paths)
write_json(paths.manifest, {"template_version": "synthetic", "evidence_version": "synthetic",
                            "files": len(ws.files), "problems": [], "quarantined": [],
                            "warnings": [], "rows": {k: len(v) for k, v in tables.items()}})
records = rehearse.score_rehearsals(tables["rehearsals"], tables["experts"], tables["evidence"],
                                    default_phrases())
write_json(paths.rehearsal_scores, {"rehearsals": records,
                                     "by_template_version": rehearse.by_template_version(records)})
"""

STAGES = {
    "validate": """
import datetime as dt, sys
from pathlib import Path
from prepops.data import expectations
from prepops.data import ingest
from prepops.data import quality
from prepops.runtime.paths import Paths
paths = Paths(Path(sys.argv[1]))
tables, manifest = ingest.read_tables(paths)
problems = quality.recheck(tables)
quality.summarize(tables, manifest, dt.date.today(), 21)
frames = expectations.derived(tables, dt.date.today(), 21)
expectations.run(frames, paths.data_docs, [])
""",
    "evaluate": """
import sys
from pathlib import Path
from prepops.evaluation import headline as evaluate
from prepops.data import ingest
from prepops.runtime.paths import Paths
from prepops.runtime.settings import Evaluate
tables, _ = ingest.read_tables(Paths(Path(sys.argv[1])))
evaluate.evaluate(tables, Evaluate())
""",
    "monitor": """
import json, sys
from pathlib import Path
from prepops.data import ingest
from prepops.monitoring.monitor import monitor
from prepops.runtime.paths import Paths
from prepops.runtime.settings import Monitor
paths = Paths(Path(sys.argv[1]))
tables, _ = ingest.read_tables(paths, ("rounds", "questions", "follow_ups", "companies"))
records = json.loads(paths.rehearsal_scores.read_text())["rehearsals"]
monitor(tables, records, Monitor(), 4.0)
""",
}


PEAK = "\nimport resource; print('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"


def timed(code: str, *args: str) -> dict:
    """Wall time of the stage's process, and that process's own peak resident memory."""
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code + PEAK, *args], check=True, capture_output=True, text=True
    ).stdout
    seconds = time.perf_counter() - start
    peak_kb = int(next(line for line in out.splitlines() if line.startswith("PEAK")).split()[1])
    return {"seconds": round(seconds, 2), "peak_mb": round(peak_kb / 1024, 1)}


def run(sizes: list[int]) -> dict:
    results = {}
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            prep = time.perf_counter()
            subprocess.run([sys.executable, "-c", PREPARE, str(n), tmp], check=True)
            row = {"prepare_s (not a stage)": round(time.perf_counter() - prep, 1)}
            for stage, code in STAGES.items():
                row[stage] = timed(code, tmp)
            row["total_s"] = round(sum(row[s]["seconds"] for s in STAGES), 2)
            results[str(n)] = row
            print(
                f"{n:>7} rounds: "
                + ", ".join(f"{s} {row[s]['seconds']} s / {row[s]['peak_mb']} MB" for s in STAGES)
                + f"; total {row['total_s']} s",
                flush=True,
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    args = parser.parse_args()
    result = {"date": dt.date.today().isoformat(), "sizes": run(args.sizes)}
    target = ROOT / "reports" / "bench_scale.json"
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
