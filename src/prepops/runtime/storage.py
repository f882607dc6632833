"""Atomic writes: a reader (or a killed run) never sees half a file."""

from __future__ import annotations

import glob
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prepops.runtime.lockdown import alive
from prepops.runtime.sanitize import for_plot_data


def sweep_leftovers(path: Path) -> int:
    """Remove temp files of `path` whose writer died (killed mid-write); how many."""
    removed = 0
    for tmp in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        # the writer's pid is the first field after the name: only a dead writer's file goes,
        # so two live writers never delete each other's temp file
        pid = tmp.name[len(path.name) + 2 :].split(".", 1)[0]
        if pid.isdigit() and not alive(int(pid)):
            tmp.unlink(missing_ok=True)
            removed += 1
    return removed


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Call `write(tmp)` on a temp file beside `path`, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sweep_leftovers(path)
    prefix = f".{path.name}.{os.getpid()}."
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text(path: Path, text: str) -> Path:
    """Atomically write `text` as UTF-8."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_json(path: Path, data: Any, compact: bool = False) -> Path:
    """Atomically write `data` as JSON with sorted keys; other values via str()."""
    indent, seps = (None, (",", ":")) if compact else (2, None)
    text = json.dumps(data, indent=indent, separators=seps, sort_keys=True, default=str)
    return write_text(path, text + "\n")


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading quote; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    """A text cell as inert plot data (sanitize.for_plot_data), then formula-defused."""
    return csv_safe(for_plot_data(value)) if isinstance(value, str) else value


def write_csv(path: Path, frame: Any) -> Path:
    """CSV export safe in a spreadsheet (no formula) and in `dvc plots show`'s HTML page."""
    # dvc-render embeds the rows in an inline <script>: text cells get no < > or controls
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or str(safe[column].dtype).startswith(("str", "string")):
            safe[column] = safe[column].map(_cell)
    return write_text(path, safe.to_csv(index=False))


def write_parquet(path: Path, frame: Any) -> Path:
    """Atomically write a DataFrame as parquet, without its index."""
    return atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))


def write_new(path: Path, text: str) -> Path:
    """Create `path` with `text`, refusing to overwrite an existing file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as handle:
        handle.write(text)
    return path
