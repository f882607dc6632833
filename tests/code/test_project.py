"""The README's quickstart is what CI runs, and the files it points to exist."""

from __future__ import annotations

import re

from tests.conftest import ROOT


def test_ci_runs_the_readme_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    quickstart = readme.split("## Quickstart", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in quickstart.strip().splitlines()]
    assert commands == ["make run", "make test"]
    ci = [line.split("#")[0].strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert "make run" in ci and "make test" in ci


def test_readme_links_point_to_files() -> None:
    readme = (ROOT / "README.md").read_text()
    for target in re.findall(r"\]\(([^)#:]+)\)", readme):
        if not target.startswith("reports/"):  # outputs exist only after a run
            assert (ROOT / target).exists(), target
