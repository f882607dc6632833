"""Fault injection: `kill -9` a real `dvc repro` inside each stage, rerun it, and check that the
rerun leaves what an undisturbed run leaves.

The reference is one undisturbed cold `dvc repro` of a fresh git copy: the output hashes in
dvc.lock and the bytes of every JSON report (reports/data_docs/ aside: Great Expectations
stamps its pages with the run's time, and it is not a DVC output). Each kill point starts
from the state a cold run has just before its stage (saved once, restored per point), runs
`dvc repro`, and on an event (a file appearing, a count in MLflow's or Prefect's database;
never a sleep) kills with SIGKILL the stage process and dvc's whole process group. The stage
runs in the runner's session (PREPOPS_RUNNER on: its forked child is found through /proc) or
in dvc's process group (PREPOPS_RUNNER=off); the points cover both. After the kill the point
checks that it died where it was meant to (else it retries: a writer can outrun the poll),
then reruns `dvc repro` and checks every invariant of tests/repo_copy.broken_invariants.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from prepops.model import registry
from prepops.training import tracking
from tests.repo_copy import (
    NotReached,
    Watch,
    broken_invariants,
    git_copy,
    reference,
    repro_killed,
    restore,
    snapshot,
    sql,
)

pytestmark = pytest.mark.e2e
BIN = Path(sys.executable).parent
TRIES = 3  # a kill point the run outran (the event came and went between two polls) is retried


def rehearsals(dst: Path) -> int:
    return len(list((dst / "data" / "rehearsals").glob("*.yaml")))


def runs(dst: Path, kind: str, status: str | None = None) -> int:
    """Runs of experiment prepops-<kind> in the copy's store (of that status), after a kill."""
    rows = sql(
        dst / "mlflow.db",
        "SELECT count(*) FROM runs r JOIN experiments e ON e.experiment_id = r.experiment_id"
        " WHERE e.name = ? AND (? IS NULL OR r.status = ?)",
        tracking.mlflow_name(kind),
        status,
        status,
    )
    return rows[0][0] if rows else 0


def complete_runs(dst: Path, kind: str) -> int:
    """FINISHED runs carrying their fingerprint (tracking._complete)."""
    rows = sql(
        dst / "mlflow.db",
        "SELECT count(*) FROM runs r JOIN experiments e ON e.experiment_id = r.experiment_id"
        " JOIN tags t ON t.run_uuid = r.run_uuid AND t.key = 'fingerprint'"
        " WHERE e.name = ? AND r.status = 'FINISHED'",
        tracking.mlflow_name(kind),
    )
    return rows[0][0] if rows else 0


REGISTERED_NO_ALIAS = (
    "SELECT (SELECT count(*) FROM model_versions WHERE name = ?) > 0"
    " AND (SELECT count(*) FROM registered_model_aliases WHERE name = ?) = 0"
)


def registered_no_alias(dst: Path) -> bool:
    rows = sql(dst / "mlflow.db", REGISTERED_NO_ALIAS, registry.model_name(), registry.model_name())
    return bool(rows and rows[0][0])


@dataclass(frozen=True)
class Point:
    """Where to kill: inside `stage`, when `fire` first holds; `landed` (after the kill) says
    why the run did not die there, or None when it did."""

    name: str
    stage: str
    runner: bool  # the stage runs in the runner (else PREPOPS_RUNNER=off: in dvc's group)
    fire: Callable[[Watch], bool]
    landed: Callable[[Copy], str | None]
    defect: str | None = None  # a known defect: the case is xfail(strict=True) with this reason
    breaks: tuple[str, ...] = ()  # the invariants the defect breaks (no other may break)


def _absent(rel: str) -> Callable[[Copy], str | None]:
    return lambda c: f"{rel} was written" if (c.dst / rel).exists() else None


def _mid_log(c: Copy) -> str | None:
    n, done = runs(c.dst, "rehearsals"), complete_runs(c.dst, "rehearsals")
    return None if n >= 1 and done < rehearsals(c.dst) else f"{n} runs, {done} complete"


def _store_half_made(c: Copy) -> str | None:
    version = sql(c.dst / "mlflow.db", "SELECT version_num FROM alembic_version")
    return "the store was complete" if version == [(c.head,)] else None


def _model_run_open(c: Copy) -> str | None:
    if runs(c.dst, "router", "RUNNING") and not sql(
        c.dst / "mlflow.db", "SELECT 1 FROM model_versions"
    ):
        return None
    return "the model run had ended"


POINTS = [
    Point(
        "ingest-writing-tables",
        "ingest",
        runner=False,
        fire=lambda w: w.entries("reports/tables") > 0,
        landed=_absent("reports/tables/manifest.json"),
    ),
    Point(
        "validate-building-data-docs",
        "validate",
        runner=True,
        fire=lambda w: w.exists("reports/data_docs"),
        landed=_absent("reports/validation.json"),
    ),
    Point(
        "rehearse-mlflow-creating-its-store",
        "rehearse",
        runner=True,
        fire=lambda w: w.exists("mlflow.db"),
        landed=_store_half_made,
    ),
    Point(
        "rehearse-mlflow-first-run",
        "rehearse",
        runner=False,
        fire=lambda w: w.runs(tracking.mlflow_name("rehearsals")) >= 1,
        landed=_mid_log,
    ),
    Point(
        "rehearse-mlflow-half-the-runs",
        "rehearse",
        runner=True,
        fire=lambda w: w.runs(tracking.mlflow_name("rehearsals")) >= rehearsals(w.dst) // 2,
        landed=_mid_log,
    ),
    Point(
        "train_router-logging-the-model",
        "train_router",
        runner=True,
        fire=lambda w: w.runs(tracking.mlflow_name("router"), "RUNNING") >= 1,
        landed=_model_run_open,
    ),
    Point(
        "train_router-registered-before-alias",
        "train_router",
        runner=True,
        fire=lambda w: bool(
            w.one("mlflow.db", REGISTERED_NO_ALIAS, registry.model_name(), registry.model_name())
        ),
        landed=lambda c: None if registered_no_alias(c.dst) else "not between the two",
    ),
    Point(
        "evaluate-writing-reports",
        "evaluate",
        runner=False,
        fire=lambda w: w.exists("reports/scorecard.json"),
        landed=lambda c: "the evaluation run was logged" if runs(c.dst, "evaluation") else None,
    ),
    Point(
        "evaluate-mlflow-run",
        "evaluate",
        runner=True,
        fire=lambda w: w.runs(tracking.mlflow_name("evaluation"), "RUNNING") >= 1,
        landed=lambda c: None if runs(c.dst, "evaluation", "RUNNING") else "the run had ended",
    ),
    Point(
        "report-rendering",
        "report",
        runner=False,
        fire=lambda w: w.flow_started("report"),
        landed=_absent("reports/index.html"),
    ),
]
# the state each stage starts from in a cold run: `dvc repro` of these targets from cold
BEFORE = {
    "ingest": [],
    "validate": ["ingest"],
    "rehearse": ["validate"],
    "train_router": ["rehearse"],
    "evaluate": ["train_router"],
    "report": ["evaluate", "monitor", "plan"],
}


def sh(args: list[str], cwd: Path, env: dict) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{args} exited {result.returncode}\n{result.stdout}"
    return result


@dataclass
class Copy:
    dst: Path
    env: dict
    ref: dict
    states: dict[str, Path]
    head: str  # MLflow's schema revision once its store is complete


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Copy:
    """A fresh git copy, its undisturbed cold `dvc repro` (the reference), and the state a cold
    run has before each stage a point kills in."""
    dst = tmp_path_factory.mktemp("faults")
    env = git_copy(dst) | {"PREPOPS_PREFECT_IDLE_MIN": "15"}
    states = tmp_path_factory.mktemp("states")
    cold = snapshot(dst, states / "ingest")
    try:
        sh(["dvc", "repro"], dst, env)  # also starts the Prefect server and the runner
        ref = reference(dst)
        head = sql(dst / "mlflow.db", "SELECT version_num FROM alembic_version")[0][0]
        restore(dst, cold)
        saved = {"ingest": cold}
        for stage, targets in list(BEFORE.items())[1:]:
            sh(["dvc", "repro", *targets], dst, env)
            saved[stage] = snapshot(dst, states / stage)
        yield Copy(dst, env, ref, saved, head)
    finally:
        subprocess.run(
            [str(BIN / "prepops"), "runner", "stop"], cwd=dst, env=env, capture_output=True
        )


def kill_at(copy: Copy, point: Point) -> dict:
    """Restore the state before the point's stage and kill a `dvc repro` there; retried when
    the run outran the event. Returns repro_killed()'s answer."""
    env = copy.env if point.runner else copy.env | {"PREPOPS_RUNNER": "off"}
    misses = []
    for _ in range(TRIES):
        restore(copy.dst, copy.states[point.stage])
        try:
            killed = repro_killed(copy.dst, env, point.fire)
        except NotReached as exc:
            misses.append(str(exc).splitlines()[0])
            continue
        assert f"Running stage '{point.stage}'" in killed["output"], killed["output"]
        why = point.landed(copy)
        if why is None:
            return killed
        misses.append(why)
    raise RuntimeError(f"{point.name}: kill point not reached in {TRIES} tries: {misses}")


class KnownDefect(AssertionError):
    """Only the invariants a point's known defect breaks are broken (its xfail)."""


def case(point: Point):
    marks = [pytest.mark.xfail(strict=True, raises=KnownDefect, reason=point.defect)]
    return pytest.param(point, id=point.name, marks=marks if point.defect else ())


@pytest.mark.parametrize("point", [case(p) for p in POINTS])
def test_killed_repro_reruns_to_the_reference(copy: Copy, point: Point) -> None:
    killed = kill_at(copy, point)
    # through the runner its forked child was killed; with the runner off there was none
    assert bool(killed["runner_children_killed"]) == point.runner, killed
    start = time.perf_counter()
    rerun = subprocess.run(
        ["dvc", "repro"], cwd=copy.dst, env=copy.env, capture_output=True, text=True, check=False
    )
    took = time.perf_counter() - start
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"Running stage '{point.stage}'" in rerun.stdout  # the killed stage ran again
    print(f"{point.name}: killed at {killed['fired_s']} s, rerun {took:.1f} s")
    broken = broken_invariants(copy.dst, copy.ref)
    assert {k: v for k, v in broken.items() if k not in point.breaks} == {}
    if broken:
        raise KnownDefect(broken)
