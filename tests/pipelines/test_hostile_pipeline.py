"""A hostile but valid workspace run end to end: a real cold `dvc repro` (runner on), the
report and `dvc plots show`'s page in headless Chromium. No escape sequence may reach the
terminal and no script may run. (Nothing leaves the machine: test_no_network.py.)"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.code.report.report_inputs import rename_company

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
EVIL = (
    "Evil</script><img src=x onerror=alert(1)> $\\foo$ [x](http://e.example) "
    "<b>*bold*</b> | pipe \x1b]52;c;aGk=\x07\x1b]0;title\x07\x1b[2J done"
)
# Anything but newline, carriage return and tab: no escape sequence, no C1 control
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, str]:
    """A fresh copy whose demo workspace names a company EVIL, after a cold `dvc repro`."""
    from tests.repo_copy import git_copy

    root = tmp_path_factory.mktemp("hostile-repo")
    env = git_copy(root)
    rename_company(root / "data", "Helix Robotics", EVIL)
    result = subprocess.run(["dvc", "repro"], cwd=root, env=env, capture_output=True)
    output = (result.stdout + result.stderr).decode("utf-8", errors="replace")
    subprocess.run(["prepops", "runner", "stop"], cwd=root, env=env, capture_output=True)
    assert result.returncode == 0, output[-4000:]
    return root, env, output


def test_the_pipeline_prints_no_escape_sequence(hostile_run) -> None:
    root, _, output = hostile_run
    assert "Evil" in (root / "reports" / "plan.md").read_text()  # the name got through
    assert RAW_CONTROL.findall(output) == []


def _open(page_file: Path) -> tuple[list[str], int]:
    """Dialogs raised and injected images, with the page loaded offline in Chromium."""
    from playwright.sync_api import sync_playwright

    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.route("http*://**", lambda route: route.abort())
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(page_file.as_uri())
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)  # an onerror handler fires after the failed image load
        injected = page.locator("img[src='x']").count()
        browser.close()
    return dialogs, injected


def _need_browser() -> None:
    if CHROMIUM is None:
        if os.environ.get("PREPOPS_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium not found: install Debian's chromium (.ci/run does)")
        pytest.skip("needs Debian's chromium (.ci/run installs it)")


def test_the_report_runs_no_script(hostile_run) -> None:
    _need_browser()
    root, _, _ = hostile_run
    index = root / "reports" / "index.html"
    assert "Evil" in index.read_text(encoding="utf-8")
    assert _open(index) == ([], 0)


def test_dvc_plots_show_runs_no_script(hostile_run, tmp_path: Path) -> None:
    _need_browser()
    root, env, _ = hostile_run
    out = tmp_path / "plots"
    shown = subprocess.run(
        ["dvc", "plots", "show", "--out", str(out)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    assert shown.returncode == 0, shown.stderr
    page = out / "index.html"
    assert "Evil" in page.read_text(encoding="utf-8")
    assert _open(page) == ([], 0)
