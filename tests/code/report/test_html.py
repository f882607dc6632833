"""reports/index.html: every section, figures embedded, workspace text escaped."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pandas as pd
import pytest

from prepops.report import html as report
from tests.code.report.report_inputs import HOSTILE, inputs, rename_company


@pytest.fixture
def hostile_html(demo_ws: Path) -> str:
    rename_company(demo_ws, "Helix Robotics", HOSTILE)
    return report.render(inputs(demo_ws))


def test_every_section_and_figure(hostile_html: str) -> None:
    for section in report.SECTIONS:
        assert f'<section id="{section}">' in hostile_html
    images = re.findall(r'<img alt="[^"]+" src="data:image/svg\+xml;base64,([^"]+)"', hostile_html)
    assert len(images) == 5
    for data in images:
        svg = base64.b64decode(data).decode("utf-8")
        assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "http://" not in hostile_html.replace("http://www.w3.org", "")  # self-contained


def test_workspace_text_is_escaped(hostile_html: str) -> None:
    assert HOSTILE not in hostile_html
    assert "&lt;img src=x onerror=alert(1)&gt;Evil &amp; Co" in hostile_html
    assert "<img src=x" not in hostile_html
    # the figures draw the name as glyph paths (matplotlib keeps it in an escaped XML
    # comment) and sit inside <img>, where SVG never runs script: no element, no handler
    import xml.etree.ElementTree as ET

    for data in re.findall(r'base64,([^"]+)"', hostile_html):
        tree = ET.fromstring(base64.b64decode(data))
        for element in tree.iter():
            assert not element.tag.endswith(("script", "img", "foreignObject"))
            assert not any(name.lower().startswith("on") for name in element.attrib)


def test_every_figure_states_its_n(hostile_html: str) -> None:
    for data in re.findall(r'base64,([^"]+)"', hostile_html):
        svg = base64.b64decode(data).decode("utf-8")
        assert "n=" in svg or "h  (" in svg, svg[:200]


def test_an_empty_workspace_renders_and_says_so(tmp_path: Path) -> None:
    from prepops.data.scaffold import create

    create(tmp_path / "ws")
    html = report.render(inputs(tmp_path / "ws"))
    for section in report.SECTIONS:
        assert f'<section id="{section}">' in html
    images = re.findall(r'base64,([^"]+)"', html)
    assert len(images) == 5
    assert "No high or medium finding" in html
    text = _text(html)
    assert not re.search(r"\bNone\b", text)
    assert "No active company" in text and "Nothing flagged and no round scheduled" in text


@pytest.fixture
def small() -> tuple[dict, str]:
    """A first week (six rounds, three rehearsals): its inputs and its page."""
    import tempfile

    from tests.code.report import small_workspace

    with tempfile.TemporaryDirectory() as tmp:
        data = inputs(small_workspace.write(Path(tmp) / "ws"))
    return data, report.render(data)


def _text(page: str) -> str:
    """The page's visible text: tags, styles and figures removed, entities decoded."""
    import html

    body = page[page.index("<body") :]
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def _cards(page: str) -> dict[str, str]:
    """Each company card's HTML, by the company name in its heading (unescaped)."""
    import html

    parts = [p.split("</div>", 1)[0] for p in page.split('<div class="card company">')[1:]]
    return {html.unescape(re.search(r"<h3>(.*?)</h3>", p).group(1)): p for p in parts}


def test_the_page_leads_with_this_week(hostile_html: str) -> None:
    ids = re.findall(r'<section id="([a-z]+)">', hostile_html)
    assert ids[0] == "week" and ids == list(report.SECTIONS)
    assert ids.index("scorecard") < ids.index("findings")
    assert ids.index("diagnosis") < ids.index("findings")


def test_each_active_company_has_a_card_with_its_plan_items(demo_ws: Path) -> None:
    import html

    data = inputs(demo_ws)
    cards = _cards(report.render(data))
    companies = data["tables"]["companies"]
    assert sorted(cards) == sorted(companies.loc[companies["status"] == "active", "company"])
    patched = [p for p in data["plan"]["patches"] if p["company"] in cards]
    watched = [w for w in data["plan"]["watch"] if w["company"] in cards]
    assert patched and watched  # the demo has both, so the checks below bite
    for p in patched:
        assert html.escape(p["action"]) in cards[p["company"]]
        others = [c for c in cards if c != p["company"]]
        assert all(html.escape(p["action"]) not in cards[c] for c in others)
    for w in watched:
        assert html.escape(w["observe"]) in cards[w["company"]]
    for card in companies.to_dict("records"):
        if card["company"] in cards:
            for reward in card["rewards"]:
                assert reward in cards[card["company"]]
            assert f"<strong>{card['primary_mode']}</strong> mode" in cards[card["company"]]


def test_a_passed_next_round_asks_to_log_it(small) -> None:
    data, _ = small
    companies = data["tables"]["companies"].copy()
    companies.loc[companies["company"] == "Corvid Logistics", "next_round"] = pd.Timestamp(
        "2026-11-20"
    )
    page = report.render(data | {"tables": data["tables"] | {"companies": companies}})
    card = _cards(page)["Corvid Logistics"]
    plan_day = pd.Timestamp(data["plan"]["as_of"])
    assert f"({(plan_day - pd.Timestamp('2026-11-20')).days} day(s) ago: log that round" in card
    week = _text(page)[: _text(page).index("Next round per active company")]
    assert "Prepare for Corvid Logistics" not in week  # no prep for a round already past


def test_a_small_workspace_says_what_to_do(small) -> None:
    data, page = small
    text = _text(page)
    assert not re.search(r"\bNone\b", text)
    week = text[text.index("This week") : text.index("Overview")]
    assert week.count("Prepare for ") >= 1  # a scheduled round becomes a thing to do
    cards = _cards(page)
    assert "Tessel Bio" not in cards  # closed: no card
    assert "not on its card yet (field rewards)" in cards["Brightline Media"]
    pending = data["tables"]["rounds"].query("outcome == 'pending'")
    for rid, company in zip(pending["id"], pending["company"], strict=True):
        assert f"prepops outcome {rid} RESULT" in cards[company]
    assert "answered as architecture; it wanted product" in cards["Corvid Logistics"]


def test_waiting_checks_collapse_into_one_line(small) -> None:
    data, page = small
    findings = data["findings"]["findings"]
    waiting = [f for f in findings if f["kind"] == "insufficient_data"]
    assert len(waiting) >= 3
    lines = re.findall(r'<p id="waiting"[^>]*>(.*?)</p>', page, re.S)
    assert len(lines) == 1
    assert lines[0].startswith(f"{len(waiting)} check(s) wait for data")
    for f in waiting:
        assert f["id"] not in page  # no row of its own
        if f["company"]:
            assert f" at {f['company']}" in lines[0]
    table = page[page.index('<section id="findings">') : page.index('<section id="plan">')]
    shown = [f for f in findings if f["kind"] not in ("insufficient_data", "local_noise")]
    assert table.count('<tr><td class="sev-') == len(shown)


def test_diagnosis_and_scorecard_rows(small) -> None:
    data, page = small
    rows = re.findall(r'<tr class="diagnosis-row">(.*?)</tr>', page, re.S)
    assert len(rows) == len(data["diagnosis"]["questions"]) > 0
    assert any("answered as architecture; it wanted debugging" in r for r in rows)
    scores = re.findall(r'<tr class="score-row">(.*?)</tr>', page, re.S)
    assert len(scores) >= 6
    first = data["scorecard"]["latency"]["first_answer_s"]
    latency = next(r for r in scores if "first answer" in r)
    assert f"{first['median']:.2f}" in latency and f"<td>{first['n']}</td>" in latency
    assert "insufficient data" in next(r for r in scores if "signals lost" in r)  # none logged


def test_rehearsals_over_time_by_template_version(small) -> None:
    data, page = small
    records = data["rehearsals"]["rehearsals"]
    img = re.search(r'alt="rehearsal scores over time[^"]*" src="data:[^,]+,([^"]+)"', page)
    svg = base64.b64decode(img.group(1)).decode("utf-8")
    versions = {r["template_version"] for r in records}
    assert len(versions) == 2
    for v in versions:
        n = sum(r["template_version"] == v for r in records)
        assert f"{v} (n={n})" in svg
    assert f"(n={len(records)})" in svg
