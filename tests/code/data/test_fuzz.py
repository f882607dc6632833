"""Property: any mutation of a valid workspace file gives problems, never a crash."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from prepops.cli.app import app
from prepops.data.workspace import load
from tests.conftest import DEMO

FILES = sorted(p.relative_to(DEMO).as_posix() for p in DEMO.rglob("*.yaml"))
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(["2026-02-30", "../../etc/passwd", "=1+1", "debuging"]),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _mutate(doc, data) -> object:
    if not isinstance(doc, dict) or not doc:
        return data.draw(values)
    key = data.draw(st.sampled_from(sorted(doc, key=str)))
    action = data.draw(st.sampled_from(["set", "drop", "rename", "nest", "replace_doc"]))
    if action == "set":
        doc[key] = data.draw(values)
    elif action == "drop":
        doc.pop(key)
    elif action == "rename":
        doc[data.draw(st.text(min_size=1, max_size=10))] = doc.pop(key)
    elif action == "nest":
        doc[key] = _mutate(doc[key], data)
    else:
        return data.draw(values)
    return doc


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_files_never_crash_the_loader(data) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        shutil.copytree(DEMO, ws)
        for _ in range(data.draw(st.integers(1, 3))):
            rel = data.draw(st.sampled_from(FILES))
            path = ws / rel
            try:
                doc = yaml.safe_load(path.read_bytes()) if data.draw(st.booleans()) else None
            except yaml.YAMLError:
                doc = None  # an earlier draw already broke this file: mutate its bytes
            if doc is not None:
                path.write_text(yaml.safe_dump(_mutate(doc, data), allow_unicode=True))
            else:  # raw bytes: truncate, splice garbage
                raw = path.read_bytes()
                cut = data.draw(st.integers(0, len(raw)))
                path.write_bytes(raw[:cut] + data.draw(st.binary(max_size=20)) + raw[cut:])
        ws_result = load(ws)
        assert all(p.file and p.field and p.rule for p in ws_result.problems)
        result = CliRunner().invoke(app, ["validate", str(ws)])
        assert result.exit_code in (0, 1), result.output
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
