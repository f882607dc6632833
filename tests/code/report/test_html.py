"""reports/index.html: every section, figures embedded, workspace text escaped."""

from __future__ import annotations

import base64
import re
from pathlib import Path

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
