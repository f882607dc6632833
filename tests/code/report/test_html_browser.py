"""The report in a real browser: headless Chromium (Debian's `chromium`, which .ci/run
installs) opens the page built from the demo workspace, with a hostile company name, and
every section and figure must render with no console error and no script run."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from prepops.report import html as report
from tests.code.report.report_inputs import HOSTILE, inputs, rename_company

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def test_report_renders_in_headless_chromium(demo_ws: Path, tmp_path: Path) -> None:
    if CHROMIUM is None:
        if os.environ.get("PREPOPS_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium not found: install Debian's chromium (.ci/run does)")
        pytest.skip("needs Debian's chromium (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    rename_company(demo_ws, "Helix Robotics", HOSTILE)
    page_file = tmp_path / "index.html"
    page_file.write_text(report.render(inputs(demo_ws)), encoding="utf-8")
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on(
            "console",
            lambda m: (
                problems.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "warning")
                else None
            ),
        )
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
        page.goto(page_file.as_uri())
        page.wait_for_load_state("load")
        for section in report.SECTIONS:
            box = page.locator(f"section#{section}").bounding_box()
            assert box and box["height"] > 40, section
        images = page.locator("img")
        assert images.count() == 5
        for i in range(images.count()):
            width, complete = images.nth(i).evaluate("e => [e.naturalWidth, e.complete]")
            assert complete and width > 100, images.nth(i).get_attribute("alt")
        assert HOSTILE in page.inner_text("body")  # shown as text, not run as markup
        assert page.locator("img[src='x']").count() == 0
        browser.close()
    assert problems == []
