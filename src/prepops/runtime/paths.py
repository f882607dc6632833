"""Project paths, anchored at the project root (the folder holding dvc.yaml and params.yaml)."""

from __future__ import annotations

import os
from pathlib import Path


class ProjectNotFound(ValueError):
    """No project here: no params.yaml in this folder or above, and no PREPOPS_ROOT."""


def find_root(start: Path | None = None) -> Path:
    """The project root: PREPOPS_ROOT if set, else the nearest folder from `start` (default:
    the current one) upwards that holds a params.yaml.

    Never the prepops checkout itself by default: a hook run from another repository must
    check that repository's workspace, or say it found none.
    """
    if env := os.environ.get("PREPOPS_ROOT"):
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "params.yaml").is_file():
            return folder
    raise ProjectNotFound(
        f"{here}: no params.yaml here or in a parent folder (run from your prepops project, "
        "or set PREPOPS_ROOT)"
    )


class Paths:
    """Every location the pipeline reads or writes, relative to one root."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or find_root()
        self.params = self.root / "params.yaml"
        self.reports = self.root / "reports"
        self.processed = self.reports / "tables"  # the feature store; outside any workspace
        self.metrics = self.reports / "metrics.json"
        self.as_of = self.reports / "as_of.json"  # the day the run is about (stage as_of)
        self.validation = self.reports / "validation.json"
        self.rehearsal_scores = self.reports / "rehearsals.json"
        self.scorecard = self.reports / "scorecard.json"
        self.calibration = self.reports / "calibration.json"
        self.diagnosis = self.reports / "diagnosis.json"
        self.router = self.reports / "router"  # train_router: candidate, champion, report
        self.champion = self.router / "champion.json"  # what `prepops route` loads
        self.findings = self.reports / "findings.json"
        self.plan_json = self.reports / "plan.json"
        self.plan_md = self.reports / "plan.md"
        self.allocation = self.reports / "allocation.json"
        self.report = self.reports / "index.html"
        self.plots = self.reports / "plots"
        self.data_docs = self.reports / "data_docs"
        self.manifest = self.processed / "manifest.json"
        # the version ids alone: a stage that needs them, not the row counts, depends on this
        self.versions = self.processed / "versions.json"
        self.prefect_home = self.root / ".prefect"

    def table(self, name: str) -> Path:
        """The feature store's parquet file for table `name`."""
        return self.processed / f"{name}.parquet"

    def workspace(self, value: str | os.PathLike[str]) -> Path:
        """The workspace folder for params.yaml `workspace`: `~` expanded, relative to root."""
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.root / path
