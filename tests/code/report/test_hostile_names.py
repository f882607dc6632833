"""A hostile but valid company name through every place workspace text leaves the tables:
the plot CSVs as `dvc plots show` renders them (headless Chromium, no script may run),
plan.md (no link, image or HTML), the report's figures (drawn, valid XML) and the plan
flow's log lines (no escape sequence)."""

from __future__ import annotations

import csv
import io
import logging
import os
import re
import shutil
import xml.dom.minidom
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from prepops.cli.app import app
from prepops.evaluation.calibration import curve_rows
from prepops.monitoring.shift import drift_table
from prepops.retraining import bandit, plan
from prepops.runtime.storage import write_csv
from tests.code.report.report_inputs import inputs, rename_company
from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
EVIL = (
    "Evil</script><img src=x onerror=alert(1)> $\\foo$ [x](http://e.example) "
    "![i](http://e.example/i.png) <b>*bold*</b> `code` | pipe \x1b]52;c;aGk=\x07"
    "\x1b[31mred\x1b[0m \x9b2J \x9d0;title\x9c"
)
# What may never reach a terminal or a log: C0 controls, DEL, C1 controls (ESC, BEL, CSI...)
RAW_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The demo workspace with Helix Robotics renamed to EVIL, valid, and its report inputs."""
    ws = tmp_path_factory.mktemp("hostile") / "ws"
    shutil.copytree(ROOT / "data", ws, ignore=shutil.ignore_patterns("processed"))
    rename_company(ws, "Helix Robotics", EVIL)
    result = CliRunner().invoke(app, ["validate", str(ws)])
    assert result.exit_code == 0, result.output  # the contract accepts the name
    return ws, inputs(ws)


def plot_csvs(data: dict, out: Path) -> dict[str, Path]:
    """The plot CSVs that carry company names, written as the stages write them."""
    frames = {
        "allocation.csv": bandit.allocation_rows(data["allocation"]),
        "drift.csv": drift_table(data["findings"]["drift"]),
        "calibration.csv": curve_rows(data["calibration"]),
    }
    return {name: write_csv(out / name, frame) for name, frame in frames.items()}


def dvc_plot_defs() -> dict[str, dict]:
    """dvc.yaml's plot definitions, by CSV file name."""
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
    defs = [d for s in stages.values() for d in s.get("plots", []) if isinstance(d, dict)]
    return {Path(path).name: props for d in defs for path, props in d.items()}


def dvc_page(csvs: dict[str, Path], page: Path) -> Path:
    """The page `dvc plots show` writes for these CSVs (dvc-render, as dvc calls it)."""
    from dvc_render import VegaRenderer, render_html

    defs = dvc_plot_defs()
    renderers = []
    for name, path in csvs.items():
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
        for row in rows:
            row.update(rev="workspace", filename=str(path))
        renderers.append(VegaRenderer(rows, f"reports/plots/{name}", **defs[name]))
    return Path(render_html(renderers, page))


def test_plot_csvs_carry_the_name_but_no_markup(hostile, tmp_path: Path) -> None:
    _, data = hostile
    csvs = plot_csvs(data, tmp_path)
    text = csvs["allocation.csv"].read_text(encoding="utf-8")
    assert "Evil\u2039/script\u203a\u2039img src=x onerror=alert(1)\u203a" in text
    for path in csvs.values():
        body = path.read_text(encoding="utf-8")
        assert "<" not in body and ">" not in body, path.name
        assert not RAW_CONTROL.search(body.replace("\n", "").replace("\r", "")), path.name


def test_dvc_plots_page_runs_no_script(hostile, tmp_path: Path) -> None:
    if CHROMIUM is None:
        if os.environ.get("PREPOPS_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium not found: install Debian's chromium (.ci/run does)")
        pytest.skip("needs Debian's chromium (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    _, data = hostile
    page_file = dvc_page(plot_csvs(data, tmp_path / "plots"), tmp_path / "plots.html")
    dialogs: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        # Offline: the CDN scripts fail, so each plot's script stops at vegaEmbed; what
        # matters is that the page's own scripts parse and nothing else runs.
        page.route("http*://**", lambda route: route.abort())
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(page_file.as_uri())
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)  # an onerror handler fires after the failed image load
        injected = page.locator("img").count()
        specs = page.locator("div[id] > script").count()
        browser.close()
    assert dialogs == []
    assert injected == 0
    assert specs == 3  # every plot's script intact, none closed early by the data
    assert errors and all("vegaEmbed is not defined" in e for e in errors), errors


def test_plan_md_holds_the_name_as_text(hostile) -> None:
    _, data = hostile
    text = plan.markdown(data["plan"], data["allocation"])
    rows = [line for line in text.splitlines() if "Evil" in line]
    assert rows and not RAW_CONTROL.search(text.replace("\n", ""))
    for row in rows:
        assert not re.search(r"(?<!\\)[<>\[\]()`*$!]", row), row  # each one escaped
        cells = len(re.findall(r"(?<!\\)\|", row)) - 1
        assert cells in (7, 6), row  # a patch row or an hours row: no cell added by a `|`

    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").enable("table").render(text)
    assert "<a " not in html and "<img" not in html and "<b>" not in html
    assert "<em>" not in html and "<code>" not in html
    assert "Evil&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; $\\foo$ [x](http" in html


def test_report_figures_draw_the_name_as_valid_xml(hostile) -> None:
    import base64

    from prepops.report import html as report

    _, data = hostile
    page = report.render(data)  # what the report stage calls; `$\\foo$` crashed mathtext
    uris = re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", page)
    assert len(uris) == 5
    drawn = 0
    for blob in uris:
        svg = base64.b64decode(blob).decode("utf-8")
        xml.dom.minidom.parseString(svg)  # a control character would make this raise
        assert not RAW_CONTROL.search(svg.replace("\n", "").replace("\t", ""))
        drawn += "Evil&lt;/script&gt;" in svg and "$\\foo$" in svg  # as written, not math
    assert drawn >= 3  # funnel, drift and allocation name the company


def test_plan_flow_logs_no_escape_sequence(hostile, tmp_path: Path, monkeypatch) -> None:
    import pipelines.plan as stage
    from prepops.data.workspace import load
    from prepops.runtime.settings import Plan

    ws, data = hostile
    tables = load(ws).tables
    records: list[logging.LogRecord] = []
    logger = logging.getLogger("test-plan-flow")
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    monkeypatch.setattr(stage, "get_run_logger", lambda: logger)
    monkeypatch.setattr(stage, "read_inputs", lambda paths: (tables, data["findings"]))
    monkeypatch.setattr(stage, "make_plan", stage.make_plan.fn)
    monkeypatch.setattr(stage, "write_outputs", stage.write_outputs.fn)
    stage.plan_flow.fn(str(tmp_path), Plan(hours=10, seed=0))
    lines = [r.getMessage() for r in records]
    assert any("Evil" in line for line in lines), lines
    assert not [line for line in lines if RAW_CONTROL.search(line)]
    plan_md = (tmp_path / "reports" / "plan.md").read_text(encoding="utf-8")
    assert "\\<img src=x" in plan_md and not re.search(r"(?<!\\)[<\[]", plan_md)
