"""The Prefect UI at the address `prepops where` prints, in a real browser: headless Chromium
(Debian's `chromium`, which .ci/run installs) logs in with the project's password and sees
a flow run made against the shared local server listed on the default UI's runs page, with
no request leaving the machine."""

from __future__ import annotations

import json
import os
import shutil
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest

from prepops.runtime import lockdown
from prepops.runtime import prefect_server as orchestration

pytestmark = pytest.mark.flow
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _browser_or_skip() -> None:
    if CHROMIUM is None:
        if os.environ.get("PREPOPS_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium not found: install Debian's chromium (.ci/run does)")
        pytest.skip("needs Debian's chromium (.ci/run installs it)")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """One shared local server for the module (a start took over 180 s on a loaded CI machine)
    under a fresh PREFECT_HOME, and its state record."""
    home = tmp_path_factory.mktemp("prefect-ui") / ".prefect"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PREPOPS_RUNNER", "off")  # the UI is under test, not the runner
        env.delenv("PREFECT_API_URL", raising=False)
        env.delenv("PREPOPS_PREFECT_SERVER", raising=False)
        env.setenv("PREFECT_HOME", str(home))
        orchestration.ensure_server(home, startup_timeout=420)
        try:
            yield home, orchestration.server_state(home)
        finally:
            orchestration.stop_server(home)


def _run_a_flow(home: Path, name: str) -> tuple[str, str]:
    """Run one tiny flow the way a stage does (prefect_api); its flow run's id and name."""
    from prefect import flow
    from prefect.runtime import flow_run
    from prefect.settings import PREFECT_API_URL, temporary_settings

    @flow(name=name)
    def probe() -> tuple[str, str]:
        return str(flow_run.id), flow_run.name

    # Prefect read its settings when first imported: another test in this worker may have
    # left an API address there (a run then went to that server and this UI showed 404)
    api = orchestration.server_state(home)["api_url"]
    with temporary_settings(updates={PREFECT_API_URL: api}), orchestration.prefect_api(home) as url:
        assert url == api
        return probe()


def test_ui_settings_point_at_the_servers_own_api(server) -> None:
    _, state = server
    with urllib.request.urlopen(f"{state['ui_url']}/ui-settings", timeout=10) as resp:
        settings = json.load(resp)
    assert settings["api_url"] == state["api_url"]  # not the default :4200
    assert settings["auth"] == "BASIC" and settings["csrf_enabled"] is True  # lockdown kept


def test_the_ui_lists_the_flow_runs(server) -> None:
    _browser_or_skip()
    from playwright.sync_api import expect, sync_playwright

    home, state = server
    flow_name = f"ui-probe-{uuid.uuid4().hex[:8]}"
    run_id, run_name = _run_a_flow(home, flow_name)
    ui = state["ui_url"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        # The UI may call nothing but its own server: analytics (Amplitude is in Prefect's
        # v2 bundle) or any CDN would send the user's visit off the machine.
        outside: list[str] = []

        def only_loopback(route) -> None:
            if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost"):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        page.route("**/*", only_loopback)
        page.goto(ui)  # the address `prepops where` prints
        # Prefect's UI asks for the server's auth string on its login page
        password = page.locator("input[type=password]")
        password.wait_for(timeout=60_000)
        password.fill(lockdown.auth_string(home))
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: "/login" not in url, timeout=60_000)
        # The run's own page: one query by id, so a slow list cannot hide a broken UI
        page.goto(f"{ui}/runs/flow-run/{run_id}")
        expect(page.get_by_text(run_name).first).to_be_visible(timeout=120_000)
        expect(page.get_by_text(flow_name).first).to_be_visible(timeout=60_000)
        # The default UI's runs list (v1: the v2 bundle calls Amplitude) lists it too
        for attempt in range(3):  # the list loads after the UI's own queries, slow on CI
            page.goto(f"{ui}/runs")
            try:
                expect(page.get_by_text(flow_name).first).to_be_visible(timeout=60_000)
                break
            except AssertionError:
                if attempt == 2:
                    raise
        assert "Can't connect to Server API" not in page.inner_text("body")
        page.wait_for_timeout(2000)  # let any deferred beacon fire
        browser.close()
    assert outside == []


def test_the_ui_without_the_password_shows_no_run(server) -> None:
    """The lockdown holds in the browser too: no password, the login page and no run."""
    _browser_or_skip()
    from playwright.sync_api import sync_playwright

    home, state = server
    flow_name = f"ui-secret-{uuid.uuid4().hex[:8]}"
    _run_a_flow(home, flow_name)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(f"{state['ui_url']}/runs")
        page.locator("input[type=password]").wait_for(timeout=60_000)
        assert "/login" in page.url
        assert flow_name not in page.content()
        browser.close()
