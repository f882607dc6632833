"""Progress bars: drawn (count, rate, time left) under a pseudo-terminal, silent on a pipe or
a file, and Rich kept out of processes that draw none."""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from prepops.runtime import progress

WORK = """
import sys, time
from prepops.runtime.progress import progress
with progress("Counting things", 400) as advance:
    for _ in range(400):
        time.sleep(0.002)
        advance()
print("done")
"""


def _run_under_pty(code: str, env: dict) -> str:
    """Run `code` with stderr on a pseudo-terminal; everything it wrote there."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=slave, env=env
    )
    os.close(slave)
    chunks = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # the child closed its end
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    proc.wait(timeout=30)
    os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


def _env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PREPOPS_PROGRESS", "NO_COLOR")}
    return {**env, "TERM": "xterm-256color", "COLUMNS": "120", **extra}


def test_a_bar_with_count_rate_and_time_left_under_a_terminal() -> None:
    out = _run_under_pty(WORK, _env())
    assert "Counting things" in out
    assert "400/400" in out  # the count, finished
    assert "/s" in out  # the rate
    assert "left" in out and "0:00:00" in out  # elapsed and time remaining


def test_off_switch_keeps_a_terminal_quiet() -> None:
    assert "Counting things" not in _run_under_pty(WORK, _env(PREPOPS_PROGRESS="off"))


def test_nothing_on_a_pipe() -> None:
    done = subprocess.run(
        [sys.executable, "-c", WORK], capture_output=True, text=True, env=_env(), check=True
    )
    assert done.stdout == "done\n"
    assert done.stderr == ""


def test_nothing_on_a_file_like_stream_and_every_item_still_passes() -> None:
    stream = io.StringIO()
    seen = list(progress.track(range(500), "Items", 500, stream=stream))
    assert seen == list(range(500))
    assert stream.getvalue() == ""
    assert not progress.shown(stream)


def test_small_jobs_draw_no_bar_even_on_a_terminal() -> None:
    code = WORK.replace("400", "20")
    assert "Counting things" not in _run_under_pty(code, _env())


def test_rich_is_not_imported_until_a_bar_is_drawn() -> None:
    code = (
        "import sys\nfrom prepops.runtime.progress import progress\n"
        "with progress('x', 10_000) as advance:\n    advance()\n"
        "print('rich' in sys.modules, 'rich.progress' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_env(), check=True
    )
    assert done.stdout.strip() == "False False"  # stderr is a pipe here: no bar, no Rich


def test_reading_a_large_workspace_shows_a_bar_and_a_pipe_shows_none(tmp_path) -> None:
    """`prepops validate` on a workspace of hundreds of files: the reading bar counts every
    file on a terminal; the same run with stderr on a pipe prints no bar."""
    subprocess.run(
        [Path(sys.executable).parent / "prepops", "synth", str(tmp_path / "ws"), "--rounds", "300"],
        check=True,
        capture_output=True,
        env={**_env(), "PREPOPS_PROGRESS": "off"},
    )
    files = sum(1 for p in (tmp_path / "ws").rglob("*.yaml"))
    code = (
        "from pathlib import Path; from prepops.data.workspace import load; "
        f"load(Path({str(tmp_path / 'ws')!r}))"
    )
    out = _run_under_pty(code, _env())
    assert "reading workspace files" in out
    assert f"{files}/{files}" in out  # every file counted
    piped = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env())
    assert piped.returncode == 0 and "reading workspace files" not in piped.stderr
