"""The report stage's own reading: the earlier stages' JSON (as write_json stores it) and
the rounds and companies tables (as ingest stores them) give the same page as the pure
functions' outputs, for a first week of six rounds."""

from __future__ import annotations

import re
from pathlib import Path

from prepops.data import ingest
from prepops.data.workspace import load
from prepops.report import html as report
from prepops.runtime.paths import Paths
from prepops.runtime.storage import write_json
from tests.code.report import small_workspace
from tests.code.report.report_inputs import inputs

FILES = {  # report input key -> Paths attribute the stage reads it from
    "manifest": "manifest",
    "validation": "validation",
    "metrics": "metrics",
    "calibration": "calibration",
    "scorecard": "scorecard",
    "rehearsals": "rehearsal_scores",
    "findings": "findings",
    "plan": "plan_json",
    "allocation": "allocation",
    "diagnosis": "diagnosis",
}


def _strip_figures(page: str) -> str:
    return re.sub(r"data:image/svg\+xml;base64,[^\"]+", "", page)


def test_the_stage_reads_what_the_stages_wrote(tmp_path: Path) -> None:
    from pipelines import report as stage

    ws = small_workspace.write(tmp_path / "ws")
    data = inputs(ws)
    paths = Paths(tmp_path / "project")
    ingest.write_tables(load(ws).tables, paths)
    for key, attr in FILES.items():
        write_json(getattr(paths, attr), data[key])
    read = stage.read_inputs.fn(paths)
    assert set(read) == set(data)
    page = stage.render.fn(read)
    assert _strip_figures(page) == _strip_figures(report.render(data))
    assert '<section id="week">' in page and "Corvid Logistics" in page
