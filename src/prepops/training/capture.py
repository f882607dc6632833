"""`prepops rehearse`: turn a captured answer into a valid rehearsal file (never overwriting),
score it against the workspace and log it to MLflow. Until the file is written, what has
been captured lives in a draft (drafts/ in the workspace), so an error or Ctrl-C loses nothing.

Kept light at import: `prepops score` uses `scorecard` in a cold process, so the contract
check (pandera) and MLflow are imported only by the functions that need them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from prepops.data.lightread import evidence_ids, expert_segments, names
from prepops.data.problems import Problem
from prepops.data.yamlsafe import read_yaml
from prepops.features.versioning import versions
from prepops.runtime.storage import write_new, write_text
from prepops.training import markers

DRAFTS = "drafts"  # in the workspace, beside the answers; not a contract folder, never read
EDITOR_HINT = "# Type or paste the answer as spoken, then save and close (# lines are dropped).\n"


class _Literal(str):
    """Text written as a YAML literal block (`|`): lines as typed, no quoting."""


class _Dumper(yaml.SafeDumper):
    """SafeDumper that writes `_Literal` text as a block scalar."""


_Dumper.add_representer(
    _Literal, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", str(v), style="|")
)


def tidy(text: str) -> str:
    """The transcript as stored: no trailing spaces (they would force a quoted scalar)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").strip().split("\n")
    return "\n".join(line.rstrip() for line in lines)


def dump(doc: dict) -> str:
    """YAML for a rehearsal or draft, the transcript as a literal block."""
    shown = dict(doc)
    if isinstance(shown.get("transcript"), str) and shown["transcript"]:
        shown["transcript"] = _Literal(shown["transcript"])
    return yaml.dump(shown, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=96)


def next_id(workspace: Path, day: dt.date, mode: str) -> str:
    """The first free rehearsal id for a day and mode: <date>-<mode>-<nn>."""
    taken = {p.stem for p in (workspace / "rehearsals").glob("*.yaml")}
    n = 1
    while f"{day.isoformat()}-{mode}-{n:02d}" in taken:
        n += 1
    return f"{day.isoformat()}-{mode}-{n:02d}"


def build(
    workspace: Path,
    question: str,
    mode: str,
    transcript: str,
    duration_s: float,
    company: str | None = None,
    self_score: int | None = None,
    day: dt.date | None = None,
) -> tuple[dict, list[Problem]]:
    """The rehearsal document, stamped with the current template version, and its problems."""
    from prepops.data.workspace import check_document  # pandera: not for `prepops score`

    day = day or dt.date.today()
    doc: dict = {
        "id": next_id(workspace, day, mode),
        "date": day.isoformat(),
        "question": question,
        "mode": mode,
    }
    if company:
        doc["company"] = company
    doc["duration_s"] = max(round(float(duration_s), 1), 0.1)  # a timed answer is never 0 s
    if self_score is not None:
        doc["self_score"] = self_score
    doc["template_version"] = versions(workspace)["template_version"]
    doc["transcript"] = tidy(transcript)
    rel = f"rehearsals/{doc['id']}.yaml"
    problems = check_document(doc, "rehearsals", rel)
    if company and company not in names(workspace, "companies", "company"):
        problems.append(
            Problem(
                rel, "company", "must match the `company` of a card in companies/", repr(company)
            )
        )
    return doc, problems


def write(workspace: Path, doc: dict) -> Path:
    """Write the document as a new rehearsals/ file; FileExistsError rather than overwrite."""
    text = "# Captured with `prepops rehearse`.\n" + dump(doc)
    return write_new(workspace / "rehearsals" / f"{doc['id']}.yaml", text)


def new_draft(workspace: Path, now: dt.datetime | None = None) -> Path:
    """A fresh draft path, drafts/rehearsal-<date>-<time>[-n].yaml, created empty (claimed)."""
    now = now or dt.datetime.now()
    folder = workspace / DRAFTS
    folder.mkdir(parents=True, exist_ok=True)
    stem, n = f"rehearsal-{now:%Y-%m-%d-%H%M%S}", 1
    while True:
        path = folder / (f"{stem}.yaml" if n == 1 else f"{stem}-{n}.yaml")
        try:
            path.open("x").close()
            return path
        except FileExistsError:
            n += 1


def answer_file(draft: Path) -> Path:
    """The plain-text file $EDITOR edits for a draft (kept if the editor fails)."""
    return draft.with_suffix(".txt")


def save_draft(draft: Path, fields: dict) -> Path:
    """Atomically (re)write the draft with everything captured so far."""
    head = f"# Draft of `prepops rehearse`: finish it with `prepops rehearse --resume {draft}`\n"
    return write_text(draft, head + dump({k: v for k, v in fields.items() if v is not None}))


def typed(text: str) -> str:
    """The answer in an editor file: lines starting with # dropped."""
    return "\n".join(line for line in text.splitlines() if not line.startswith("#")).strip()


def load_draft(draft: Path) -> dict:
    """A draft's fields; the transcript from its answer file when the draft has none yet."""
    doc, problems = read_yaml(draft, draft.name, 1_000_000)
    if problems or not isinstance(doc, dict):
        raise ValueError("; ".join(str(p) for p in problems) or f"{draft}: not a draft")
    known = ("question", "company", "mode", "duration_s", "transcript", "self_score")
    fields = {k: doc[k] for k in known if doc.get(k) is not None}
    txt = answer_file(draft)
    text = typed(txt.read_text(encoding="utf-8", errors="replace")) if txt.is_file() else ""
    if "transcript" not in fields and text:
        fields["transcript"] = text
    return fields


def discard_draft(draft: Path) -> None:
    """Remove a draft and its answer file once the rehearsal file is written."""
    answer_file(draft).unlink(missing_ok=True)
    draft.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # other drafts still wait there
        draft.parent.rmdir()  # the last draft gone: no empty folder left in the workspace


def scorecard(
    workspace: Path,
    text: str,
    duration_s: float,
    mode: str | None,
    phrases: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Score one answer with the workspace's segments for `mode`, its evidence ids and the
    params.yaml `score.phrases` added to the built-in phrase lists."""
    return markers.score(
        text,
        duration_s,
        segments=expert_segments(workspace, mode),
        evidence_ids=evidence_ids(workspace),
        phrases=markers.extend(markers.default_phrases(), phrases),
    )


def track(project: Path, workspace: Path, doc: dict, scores: dict) -> tuple[str, dict]:
    """Log one rehearsal run to MLflow: the experiment name and the counts logged/unchanged."""
    from prepops.training import tracking
    from prepops.training.scoring import SCORE_METRICS  # pandas: only when tracking

    record = {
        "id": doc["id"],
        "date": doc["date"],
        "mode": doc["mode"],
        "company": doc.get("company"),
        "template_version": doc["template_version"],
        "template_version_stamped": False,
        "self_score": doc.get("self_score"),
        "scores": scores,
    }
    client = tracking.client(project)
    name = tracking.mlflow_name("rehearsals")
    exp = tracking.experiment_id(client, name, project)
    payload = tracking.rehearsal_payload(record, versions(workspace), SCORE_METRICS)
    return name, tracking.log_rehearsals(client, exp, [payload], tracking.git_commit(project))
