"""A fresh git copy of this checkout for end-to-end runs (tests and benchmarks). Importing it
has no side effects, unlike tests/pipelines/conftest.py."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


BIN = Path(sys.executable).parent
GIT_ID = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@t",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@t",
}


def git_copy(dst: Path, keep_lock: bool = False) -> dict[str, str]:
    """This checkout's files (tracked and new, not ignored) in `dst` as a fresh git repository
    with no DVC lock, so `dvc repro` there runs cold; with `keep_lock` the committed dvc.lock
    and reports/metrics.json stay, as in a fresh clone. Returns the environment to run it in:
    this copy's code, Prefect state in the copy, the project's own MLflow store."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    for rel in listed:
        if (ROOT / rel).is_file():
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, dst / rel)
    for stale in () if keep_lock else LOCKED:
        (dst / stale).unlink(missing_ok=True)
    env = {
        **os.environ,
        **GIT_ID,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(dst / "src"),  # run this copy's code, not the installed checkout's
        "PREFECT_HOME": str(dst / ".prefect"),
    }
    env.pop("PREFECT_API_URL", None)
    env.pop("MLFLOW_TRACKING_URI", None)
    for cmd in (
        ["git", "init", "-q", "-b", "main"],
        ["git", "add", "-A"],
        ["git", "commit", "-qm", "copy"],
    ):
        subprocess.run(cmd, cwd=dst, env=env, check=True, capture_output=True)
    return env


# --- relock: `make relock` -------------------------------------------------------------------

LOCKED = ("dvc.lock", "reports/metrics.json")  # committed run outputs (git_copy drops them)


def relock() -> None:
    """A cold `dvc repro` in a fresh copy; its dvc.lock and reports/metrics.json are copied
    back into this checkout (then commit them): a fresh clone's run leaves `git status` clean."""
    with tempfile.TemporaryDirectory(prefix="prepops-relock-") as tmp:
        dst = Path(tmp)
        env = git_copy(dst)
        try:
            subprocess.run(["dvc", "repro"], cwd=dst, env=env, check=True)
        finally:
            subprocess.run(
                [str(BIN / "prepops"), "runner", "stop"], cwd=dst, env=env, capture_output=True
            )
        for rel in LOCKED:
            shutil.copyfile(dst / rel, ROOT / rel)
            print(f"wrote {rel}")


# --- fault injection: tests/pipelines/test_faults.py and benchmarks/faults.py -----------------
# kill -9 a `dvc repro` in a copy at an event (a file appearing, a count in a store), with the
# stage process doing the work (in the runner's session, or in dvc's process group with
# PREPOPS_RUNNER=off); then check what a rerun must leave.

RUN_STATE = ("dvc.lock", "reports", "mlflow.db", "mlartifacts", ".dvc/cache")
"""What a run writes in a copy, the Prefect database aside: a snapshot of these is a state."""


def snapshot(dst: Path, to: Path) -> Path:
    """Copy the run state of the copy at `dst` to `to` (what is missing stays missing)."""
    shutil.rmtree(to, ignore_errors=True)
    to.mkdir(parents=True)
    for rel in RUN_STATE:
        if (dst / rel).is_dir():
            shutil.copytree(dst / rel, to / rel, symlinks=True)
        elif (dst / rel).is_file():
            (to / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(dst / rel, to / rel)
    return to


def restore(dst: Path, saved: Path) -> None:
    """Put the run state saved by snapshot() back. mlflow.db is rewritten in place (same
    inode): a process holding a pooled connection to it (MLflow caches its store per URI)
    reads the restored file, not the old one."""
    for leftover in dst.glob("mlflow.db-*"):  # a killed writer's journal is not the state's
        leftover.unlink()
    for rel in RUN_STATE:
        target, source = dst / rel, saved / rel
        if rel == "mlflow.db" and source.is_file():
            shutil.copyfile(source, target)
            continue
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, symlinks=True)
        elif source.is_file():
            shutil.copy2(source, target)


def lock_outs(dst: Path) -> dict[str, str]:
    """Output hashes from dvc.lock; Data Docs carry Great Expectations' run time, so not them."""
    import yaml

    lock = yaml.safe_load((dst / "dvc.lock").read_text())
    return {
        o["path"]: o["md5"]
        for st in lock["stages"].values()
        for o in st.get("outs", [])
        if o["path"] != "reports/data_docs"
    }


def report_bytes(dst: Path) -> dict[str, bytes]:
    """Every JSON report, but reports/data_docs/ (Great Expectations stamps it with the run's
    time; not a DVC output) and bench*.json (benchmark results, not pipeline outputs)."""
    reports = dst / "reports"
    return {
        str(p.relative_to(dst)): p.read_bytes()
        for p in sorted(reports.rglob("*.json"))
        if "data_docs" not in p.relative_to(reports).parts and not p.name.startswith("bench")
    }


def reference(dst: Path) -> dict:
    """What an undisturbed run left: dvc.lock's output hashes and the reports' bytes."""
    return {"outs": lock_outs(dst), "reports": report_bytes(dst)}


def sql(db: Path, query: str, *args) -> list[tuple]:
    """Rows of one read of SQLite file `db` after any kill ([] when it or the table is not
    there yet). A read-write connection: it rolls back a killed writer's journal, as the next
    MLflow open would."""
    if not db.is_file():
        return []
    try:
        with contextlib.closing(sqlite3.connect(db, timeout=30)) as con:
            return con.execute(query, args).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return []
        raise


class Watch:
    """Cheap reads while a run goes on (an event is polled every few milliseconds): files, and
    SQLite files through one read-only connection each that gives up at once when a writer
    holds the lock (a poll never makes a writer wait long)."""

    def __init__(self, dst: Path) -> None:
        self.dst = dst
        self.cons: dict[str, sqlite3.Connection] = {}
        self.t0 = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # Prefect's format

    def exists(self, rel: str) -> bool:
        return (self.dst / rel).exists()

    def entries(self, rel: str) -> int:
        """How many entries folder `rel` holds (0 when missing)."""
        try:
            with os.scandir(self.dst / rel) as it:
                return sum(1 for _ in it)
        except OSError:
            return 0

    def one(self, db: str, query: str, *args):
        """The first column of the first row, or None (no file or table yet, or locked)."""
        try:
            con = self.cons.get(db)
            if con is None:
                uri = f"file:{self.dst / db}?mode=ro"
                con = self.cons[db] = sqlite3.connect(uri, uri=True, timeout=0.005)
            rows = con.execute(query, args).fetchall()  # all: the read lock goes at once
        except sqlite3.Error:
            self.cons.pop(db, None)
            return None
        return rows[0][0] if rows else None

    def runs(self, experiment: str, status: str | None = None) -> int:
        """Runs in an MLflow experiment of the copy's store (of that status)."""
        query = (
            "SELECT count(*) FROM runs r JOIN experiments e ON e.experiment_id = r.experiment_id"
            " WHERE e.name = ? AND (? IS NULL OR r.status = ?)"
        )
        return self.one("mlflow.db", query, experiment, status, status) or 0

    def flow_started(self, flow: str) -> bool:
        """A run of Prefect flow `flow` went RUNNING since this watch began."""
        query = (
            "SELECT count(*) FROM flow_run r JOIN flow f ON f.id = r.flow_id"
            " WHERE f.name = ? AND r.state_type = 'RUNNING' AND r.start_time > ?"
        )
        return bool(self.one(".prefect/prefect.db", query, flow, self.t0))

    def close(self) -> None:
        for con in self.cons.values():
            con.close()


def _procs() -> dict[int, tuple[int, list[str]]]:
    """pid -> (parent pid, argv) of every process."""
    out = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            argv = Path(entry.path, "cmdline").read_bytes().split(b"\0")
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        out[int(entry.name)] = (ppid, [a.decode(errors="replace") for a in argv if a])
    return out


def runner_pids(dst: Path) -> list[int]:
    """The copy's stage runner (python -m prepops.runtime.runner.server <copy>/.prefect ...):
    it runs in the Prefect server's session, not in dvc's process group."""
    home = str((dst / ".prefect").resolve())
    procs = _procs()

    def ours(argv: list[str]) -> bool:
        return "prepops.runtime.runner.server" in argv and home in argv

    family = {pid for pid, (_, argv) in procs.items() if ours(argv)}
    return sorted(pid for pid in family if procs[pid][0] not in family)  # not its children


def stage_children(runners: list[int]) -> list[int]:
    """The processes the runner forked: the stages it runs now."""
    children = []
    for pid in runners:
        try:
            for task in os.scandir(f"/proc/{pid}/task"):
                children += map(int, Path(task.path, "children").read_text().split())
        except OSError:
            continue
    return children


def _gone(pid: int, timeout: float = 10.0) -> None:
    """Wait until `pid` has died (a zombie counts: its locks and files are released)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return
        if state in ("Z", "X"):
            return
        time.sleep(0.01)
    raise RuntimeError(f"process {pid} still alive {timeout} s after kill -9")


class NotReached(RuntimeError):
    """The run ended before its kill point's event: nothing was killed."""


def repro_killed(
    dst: Path, env: dict, fire: Callable[[Watch], bool], poll_s: float = 0.002
) -> dict:
    """`dvc repro` in `dst`, killed with SIGKILL as soon as `fire(watch)` holds: first the
    stage the runner forked for it (if any), then dvc's whole process group (the stage itself
    with PREPOPS_RUNNER=off). Returns when it fired and which runner children were killed."""
    runners = runner_pids(dst)
    watch = Watch(dst)
    proc = subprocess.Popen(
        ["dvc", "repro"],
        cwd=dst,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: dvc, the stage launcher, their children
    )
    lines: list[bytes] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    start = time.perf_counter()
    try:
        while proc.poll() is None:
            if fire(watch):
                children = stage_children(runners) or stage_children(runner_pids(dst))
                for pid in children:
                    os.kill(pid, signal.SIGKILL)
                os.killpg(proc.pid, signal.SIGKILL)
                fired = time.perf_counter() - start
                proc.wait()
                for pid in children:
                    _gone(pid)
                break
            time.sleep(poll_s)
        else:
            reader.join(5)
            text = b"".join(lines).decode(errors="replace")
            raise NotReached(f"dvc repro exited {proc.returncode} before the event\n{text}")
    finally:
        watch.close()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    reader.join(5)
    return {
        "fired_s": round(fired, 3),
        "runner_children_killed": children,
        "output": b"".join(lines).decode(errors="replace"),
    }


def _live_runs(db: Path, experiment: str) -> list[tuple]:
    return sql(
        db,
        "SELECT r.run_uuid, r.status,"
        " (SELECT value FROM tags t WHERE t.run_uuid = r.run_uuid AND t.key = 'rehearsal_id'),"
        " (SELECT value FROM tags t WHERE t.run_uuid = r.run_uuid AND t.key = 'fingerprint')"
        " FROM runs r JOIN experiments e ON e.experiment_id = r.experiment_id"
        " JOIN tags s ON s.run_uuid = r.run_uuid AND s.key = 'superseded' AND s.value = 'false'"
        " WHERE e.name = ? AND r.lifecycle_stage = 'active'",
        experiment,
    )


def json_changes(old, new, at: str = "") -> list[str]:
    """The leaves that differ between two JSON documents, as `dotted.path: old -> new`."""
    if isinstance(old, dict) and isinstance(new, dict):
        return [
            change
            for key in sorted(old.keys() | new.keys())
            for change in json_changes(old.get(key), new.get(key), f"{at}.{key}" if at else key)
        ]
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [
            c
            for i, pair in enumerate(zip(old, new, strict=True))
            for c in json_changes(*pair, f"{at}[{i}]")
        ]
    return [] if old == new else [f"{at}: {old!r} -> {new!r}"]


def broken_invariants(dst: Path, ref: dict) -> dict[str, str]:
    """Each invariant a run left broken, with what differs ({} when all hold):
    outputs: dvc.lock's output hashes and the JSON reports' bytes are the reference's;
    no_tmp: no temp file of an atomic write is left under reports/;
    one_live_run_per_rehearsal: exactly one live (superseded=false) FINISHED MLflow run per
    rehearsal in reports/rehearsals.json, with that rehearsal's metrics and fingerprint;
    no_run_running: no MLflow run of any experiment is RUNNING;
    champion: the registry's champion alias holds the fingerprint of champion.json."""
    from prepops.model import registry
    from prepops.training import scoring, tracking

    broken: dict[str, str] = {}
    outs, reports = lock_outs(dst), report_bytes(dst)
    differ = sorted(
        k for k in ref["outs"].keys() | outs.keys() if ref["outs"].get(k) != outs.get(k)
    )
    differ += sorted(
        k for k in ref["reports"].keys() | reports.keys() if ref["reports"].get(k) != reports.get(k)
    )
    if differ:
        detail = []
        for rel in dict.fromkeys(differ):
            if rel in ref["reports"] and rel in reports:
                old, new = json.loads(ref["reports"][rel]), json.loads(reports[rel])
                rel += f" ({'; '.join(json_changes(old, new)[:5])})"
            detail.append(rel)
        broken["outputs"] = "differ from the reference: " + ", ".join(detail)
    tmp = sorted(str(p.relative_to(dst)) for p in (dst / "reports").rglob("*.tmp"))
    if tmp:
        broken["no_tmp"] = "left: " + ", ".join(tmp)

    db = dst / "mlflow.db"
    records = json.loads((dst / "reports" / "rehearsals.json").read_text())["rehearsals"]
    live = _live_runs(db, tracking.mlflow_name("rehearsals"))
    by_id: dict[str, list] = {}
    for run_id, status, rehearsal, fp in live:
        by_id.setdefault(rehearsal, []).append((run_id, status, fp))
    metrics: dict[str, dict[str, float]] = {}
    for run_id, key, value, nan in sql(
        db, "SELECT run_uuid, key, value, is_nan FROM latest_metrics"
    ):
        metrics.setdefault(run_id, {})[key] = "nan" if nan else value
    problems = []
    for record in records:
        p = tracking.rehearsal_payload(record, {}, scoring.SCORE_METRICS)
        runs = by_id.pop(record["id"], [])
        if len(runs) != 1:
            problems.append(f"{record['id']}: {len(runs)} live runs")
            continue
        run_id, status, fp = runs[0]
        expected = {k: "nan" if v != v else v for k, v in p["metrics"].items()}
        if status != "FINISHED" or fp != p["fingerprint"] or metrics.get(run_id) != expected:
            problems.append(f"{record['id']}: live run {run_id} {status}, other values")
    problems += [f"{rid}: live run of no rehearsal in the report" for rid in sorted(by_id)]
    if problems:
        broken["one_live_run_per_rehearsal"] = "; ".join(problems[:5])

    running = sql(
        db,
        "SELECT e.name, r.name FROM runs r JOIN experiments e ON e.experiment_id ="
        " r.experiment_id WHERE r.status IN ('RUNNING', 'SCHEDULED')",
    )
    if running:
        broken["no_run_running"] = ", ".join(f"{exp}/{name}" for exp, name in running)

    alias = sql(
        db,
        "SELECT t.value FROM registered_model_aliases a JOIN model_version_tags t"
        " ON t.name = a.name AND t.version = a.version AND t.key = 'fingerprint'"
        " WHERE a.name = ? AND a.alias = ?",
        registry.model_name(),
        registry.ALIAS,
    )
    champion = json.loads((dst / "reports" / "router" / "champion.json").read_text())
    if [row[0] for row in alias] != [registry.fingerprint(champion)]:
        broken["champion"] = f"alias fingerprint {alias} != champion.json's"
    return broken


if __name__ == "__main__":
    if sys.argv[1:] != ["relock"]:
        sys.exit("usage: python tests/repo_copy.py relock")
    relock()
