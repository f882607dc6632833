"""Markers and router on words nobody here wrote: material fetched from public interview-prep
repositories into a folder OUTSIDE the repository (never committed; see
docs/outside_evaluation.md for the sources and the method).

The folder holds two JSON-lines files:
  questions.jsonl  {"repo", "path", "heading", "mode", "text", "split"?}: a question, its
                   source, the source's own category heading, the mode that heading maps to,
                   and optionally which part of the evaluation it belongs to (e.g. "dev" for
                   questions looked at while improving, "final" for ones never looked at);
  answers.jsonl    {"id", "repo", "path", "text", "markers", "fillers"?}: an answer from a
                   public source, the special tokens a reader finds in it and, optionally, the
                   fillers the reader counted.

`--answers FILE` evaluates one more labelled answers file in the same format, kept anywhere
outside the repository (e.g. a held-out set labelled before the scorer ever saw it); it is
skipped, saying so, when the file is absent. Its figures go under "answers_file" in the report.

Writes counts and figures only (no fetched text; answer ids and token types for the misses)
to reports/bench_outside.json.

    python benchmarks/outside_words.py /tmp/outside [--label after] [--out FILE]
    python benchmarks/outside_words.py --answers /tmp/heldout/answers.jsonl --out FILE
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from prepops.data.contract import MARKERS, MODES
from prepops.data.workspace import load
from prepops.evaluation.calibration import wilson
from prepops.model import fitting as rt
from prepops.runtime.settings import Router as RouterSettings
from prepops.training.markers import score

ROOT = Path(__file__).resolve().parents[1]


def _rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def markers(answers: list[dict]) -> dict:
    """Precision, recall and F1 per marker type, and over all types."""
    tp, fp, fn = Counter(), Counter(), Counter()
    for a in answers:
        got, want = set(score(a["text"], 60)["markers"]), set(a["markers"])
        for m in got | want:
            tp[m] += m in got and m in want
            fp[m] += m in got and m not in want
            fn[m] += m in want and m not in got

    def figures(t: int, p: int, n: int) -> dict:
        prec = t / (t + p) if t + p else None
        rec = t / (t + n) if t + n else None
        f1 = 2 * prec * rec / (prec + rec) if prec and rec else None
        return {
            "tp": t, "fp": p, "fn": n,
            "precision": None if prec is None else round(prec, 4),
            "recall": None if rec is None else round(rec, 4),
            "f1": None if f1 is None else round(f1, 4),
        }  # fmt: skip

    out = {m: figures(tp[m], fp[m], fn[m]) for m in MARKERS}
    out["all"] = figures(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    out["n_answers"] = len(answers)
    # stop is the token the targets single out: recall with its n and interval
    out["stop_recall"] = {"k": tp["stop"], "n": tp["stop"] + fn["stop"],
                          "ci95": _ci(tp["stop"], tp["stop"] + fn["stop"])}  # fmt: skip
    return out


def misses(answers: list[dict]) -> list[dict]:
    """Per answer id: labelled token types the scorer missed and ones it added (no text)."""
    rows = []
    for a in answers:
        got, want = set(score(a["text"], 60)["markers"]), set(a["markers"])
        if got != want:
            rows.append({"id": a["id"], "missed": sorted(want - got), "extra": sorted(got - want)})
    return rows


def fillers(answers: list[dict]) -> dict | None:
    """Share of answers whose filler count is within one of the reader's count; None unlabelled."""
    counted = [a for a in answers if "fillers" in a]
    if not counted:
        return None
    within = sum(abs(score(a["text"], 60)["fillers"] - a["fillers"]) <= 1 for a in counted)
    return {"within_one": within, "n": len(counted), "ci95": _ci(within, len(counted))}


def answers_file(path: Path | None) -> dict | None:
    """Markers, misses and fillers on a labelled answers file; None (and a note) when absent."""
    if path is None:
        return None
    if not path.exists():
        print(f"answers file {path} not found: skipped")
        return None
    if path.resolve().is_relative_to(ROOT):
        raise SystemExit("keep the labelled answers outside the repository")
    rows = _rows(path)
    return {"markers": markers(rows), "misses": misses(rows), "fillers": fillers(rows)}


def _ci(k: int, n: int) -> list[float] | None:
    ci = wilson(k, n)
    return None if ci is None else [float(x) for x in ci]


def _per_mode(pairs: list[tuple[str, str]]) -> dict:
    """(wanted, routed) pairs -> top-1 per mode with n and a 95 % Wilson interval."""
    right, total = Counter(), Counter()
    for wanted, routed in pairs:
        for key in ("all", wanted):
            total[key] += 1
            right[key] += routed == wanted
    return {
        k: {"n": total[k], "top1": round(right[k] / total[k], 4), "ci95": _ci(right[k], total[k])}
        for k in ("all", *MODES)
        if total[k]
    }


def router(questions: list[dict]) -> dict:
    """Top-1 per mode (and per split, when the rows name one); trained on the demo workspace."""
    tables = load(ROOT / "data").tables
    model = rt.fit(
        rt.labelled_questions(tables),
        rt.card_cues(tables),
        rt.card_keywords(tables),
        RouterSettings(),
    )
    routed = [(q["mode"], model.route(q["text"])["mode"], q.get("split")) for q in questions]
    confusions = Counter(f"{w}->{r}" for w, r, _ in routed if r != w)
    splits = sorted({s for *_, s in routed if s})
    return {
        "per_mode": _per_mode([(w, r) for w, r, _ in routed]),
        "per_split": {s: _per_mode([(w, r) for w, r, t in routed if t == s]) for s in splits},
        "confusions": dict(confusions.most_common()),
    }


def sources(questions: list[dict], answers: list[dict]) -> list[dict]:
    """Where the material came from: repository, path, heading, mode, count (no text)."""
    keyed = Counter(
        (q["repo"], q["path"], q["heading"], q["mode"], q.get("split")) for q in questions
    )
    keyed.update((a["repo"], a["path"], "answers", "-", a.get("split")) for a in answers)
    return [
        {"repo": r, "path": p, "heading": h, "mode": m, "split": s, "n": n}
        for (r, p, h, m, s), n in sorted(keyed.items(), key=lambda kv: tuple(map(str, kv[0])))
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, nargs="?", help="fetched material, outside the repo")
    parser.add_argument("--label", default="current", help="name of this run (before, after)")
    parser.add_argument("--answers", type=Path, help="a labelled answers.jsonl outside the repo")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "bench_outside.json")
    args = parser.parse_args()
    report = json.loads(args.out.read_text()) if args.out.exists() else {}
    if (extra := answers_file(args.answers)) is not None:
        report.setdefault(args.label, {})["answers_file"] = extra
        print(f"{args.label}: answers file {json.dumps(extra['markers']['all'])}")
        print(f"  stop recall {extra['markers']['stop_recall']}, fillers {extra['fillers']}")
    if args.folder is not None:
        _folder(args.folder, args.label, report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")


def _folder(folder: Path, label: str, report: dict) -> None:
    """Markers and router on a fetched folder (questions.jsonl, answers.jsonl) into report."""
    folder = folder.resolve()
    if folder.is_relative_to(ROOT):
        raise SystemExit("keep the fetched material outside the repository")
    questions, answers = _rows(folder / "questions.jsonl"), _rows(folder / "answers.jsonl")
    report["sources"] = sources(questions, answers)
    report.setdefault(label, {}).update({"markers": markers(answers), "router": router(questions)})
    run = report[label]
    print(f"{label}: markers all {run['markers']['all']}")
    for split, figures in {"all": run["router"]["per_mode"], **run["router"]["per_split"]}.items():
        for mode, fig in figures.items():
            ci = fig["ci95"]
            print(f"  {split:<6} {mode:<13} n={fig['n']:<4} top1={fig['top1']:.3f} ci95={ci}")
    print("  confusions:", run["router"]["confusions"])


if __name__ == "__main__":
    main()
