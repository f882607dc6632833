"""Stage `as_of`: the day the week's run is about, written where DVC can see it.

Validate ages pending outcomes from this day and plan dates its patches from it. DVC cannot
see "today", so this stage (always run; a few milliseconds, no heavy imports) writes the
resolved day to reports/as_of.json: `as_of` in params.yaml when set, else today. Stages that
depend on the file rerun exactly when the day changes, and never otherwise.
"""

from __future__ import annotations

import datetime as dt
import json
import sys

from prepops.runtime.paths import Paths
from prepops.runtime.settings import SettingsError, load_settings
from prepops.runtime.storage import write_text


def resolve(pinned: dt.date | None, today: dt.date) -> dict:
    """The day a run is about, and where it came from."""
    if pinned is not None:
        return {"as_of": pinned.isoformat(), "source": "params.yaml as_of"}
    return {"as_of": today.isoformat(), "source": "the day the stage ran"}


def read(paths: Paths) -> dt.date:
    """The day written by the as_of stage."""
    data = json.loads(paths.as_of.read_text(encoding="utf-8"))
    return dt.date.fromisoformat(data["as_of"])


def main() -> None:
    """Write reports/as_of.json; rewrite it only when its content changes."""
    paths = Paths()
    try:
        settings = load_settings(paths.params)
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        sys.exit(2)
    text = json.dumps(resolve(settings.as_of, dt.date.today()), sort_keys=True) + "\n"
    if not paths.as_of.is_file() or paths.as_of.read_text(encoding="utf-8") != text:
        write_text(paths.as_of, text)


if __name__ == "__main__":
    main()
