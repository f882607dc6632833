"""The report in a real browser: headless Chromium (Debian's `chromium`, which .ci/run
installs) opens the page built from the demo workspace, with a hostile company name, and
from a small workspace (6 rounds, a first week); every section and figure must render
with no console error and no script run, and the page must lead with "this week"."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from prepops.report import html as report
from tests.code.report import small_workspace
from tests.code.report.report_inputs import HOSTILE, inputs, rename_company

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _browser_or_skip() -> None:
    if CHROMIUM is None:
        if os.environ.get("PREPOPS_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium not found: install Debian's chromium (.ci/run does)")
        pytest.skip("needs Debian's chromium (.ci/run installs it)")


@pytest.fixture(params=["demo", "small"])
def workspace(request, demo_ws: Path, tmp_path: Path) -> tuple[str, dict]:
    """The demo with a hostile company name, or a first week of six rounds; its inputs."""
    if request.param == "demo":
        rename_company(demo_ws, "Helix Robotics", HOSTILE)
        return request.param, inputs(demo_ws)
    return request.param, inputs(small_workspace.write(tmp_path / "small"))


def test_report_renders_in_headless_chromium(workspace, tmp_path: Path) -> None:
    _browser_or_skip()
    from playwright.sync_api import sync_playwright

    name, data = workspace
    page_file = tmp_path / "index.html"
    page_file.write_text(report.render(data), encoding="utf-8")
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
        _check_what_the_candidate_reads(page, data)
        if name == "demo":
            assert HOSTILE in page.inner_text("body")  # shown as text, not run as markup
        assert page.locator("img[src='x']").count() == 0
        browser.close()
    assert problems == []


def _check_what_the_candidate_reads(page, data: dict) -> None:
    """This week leads (three things, a card per active company), the scorecard and the
    diagnosis have rows, the waiting checks are one line, and no None is shown."""
    first = page.locator("section").first
    assert first.get_attribute("id") == "week"
    assert first.locator("h2").inner_text().startswith("This week")
    assert first.locator("ol.things > li").count() == 3
    companies = data["tables"]["companies"]
    active = sorted(companies.loc[companies["status"] == "active", "company"])
    cards = first.locator(".card.company h3")
    assert sorted(cards.all_inner_texts()) == active
    assert page.locator("#scorecard tr.score-row").count() >= 6
    diagnosed = data["diagnosis"]["questions"]
    rows = page.locator("#diagnosis tr.diagnosis-row")
    assert rows.count() == min(len(diagnosed), 30) > 0
    assert "; it wanted " in " ".join(rows.all_inner_texts())  # a routing miss, in words
    findings = page.locator("#findings").inner_text()
    waiting = [f for f in data["findings"]["findings"] if f["kind"] == "insufficient_data"]
    assert page.locator("#waiting").count() == (1 if waiting else 0)
    assert "below the minimum" not in findings  # not one row per waiting check
    assert not re.search(r"\bNone\b", page.inner_text("body"))
