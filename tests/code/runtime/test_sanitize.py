"""The one sanitiser for workspace text: terminals and logs, plot CSVs, Markdown."""

from __future__ import annotations

import re

import pytest

from prepops.runtime import sanitize
from prepops.runtime.sanitize import for_markdown, for_plot_data, for_terminal

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Acme \x1b]52;c;aGk=\x07Labs", "Acme Labs"),  # OSC 52 clipboard write, BEL-ended
        ("Acme \x1b]0;pwned\x1b\\Labs", "Acme Labs"),  # window title, ST-ended
        ("Acme \x9d0;pwned\x9cLabs", "Acme Labs"),  # the same in 8-bit C1 form
        ("\x1b[31mred\x1b[0m \x1b[2J\x9b1;1H", "red "),  # CSI: colour, clear, cursor
        ("\x1bPq#0;2;0;0;0\x1b\\sixel", "sixel"),  # DCS
        ("a\x1bcb\x1b(Bc", "abc"),  # reset, charset
        ("tab\tnew\nline\r\x0b\x0c\u2028end", "tab new line    end"),
        ("bell\x07 nul\x00 del\x7f nel\x85", "bell nul del nel "),
        ("left\u202eright\u2066x\u2069", "leftrightx"),  # bidi overrides reorder the line
        ("lone \ud800 half", "lone \ufffd half"),
        ("unterminated \x1b]52;c;aGk=", "unterminated "),
        ("Café 東京 🚀 $\\foo$ <b>&amp;", "Café 東京 🚀 $\\foo$ <b>&amp;"),
    ],
)
def test_for_terminal(raw: str, shown: str) -> None:
    assert for_terminal(raw) == shown
    assert not CONTROL.search(for_terminal(raw))


def test_for_terminal_takes_any_value() -> None:
    assert for_terminal(None) == "None" and for_terminal(3.5) == "3.5"


def test_for_plot_data_has_no_markup_left() -> None:
    out = for_plot_data("Evil</script><!--<img src=x onerror=alert(1)> & 'Co' \x1b[2J")
    assert out == "Evil\u2039/script\u203a\u2039!--\u2039img src=x onerror=alert(1)\u203a & 'Co' "
    assert "<" not in out and ">" not in out


def test_for_markdown_escapes_every_active_character() -> None:
    out = for_markdown("[x](http://e.example) ![i](u) <b>*a*_b_~c~</b> `d` $e$ | # & @ www.w.x\n2")
    assert out == (
        "\\[x\\]\\(http\\://e.example\\) \\!\\[i\\]\\(u\\) \\<b\\>\\*a\\*\\_b\\_\\~c\\~\\</b\\> "
        "\\`d\\` \\$e\\$ \\| \\# \\& \\@ www\\.w.x 2"
    )
    assert for_markdown("a|b.yaml") == "a\\|b.yaml"
    assert for_markdown("back\\slash") == "back\\\\slash"


def test_relayed_output_keeps_lines_and_colours_but_no_other_escape(capsysbinary) -> None:
    """What the runner relays reaches the terminal as the stage's lines: no title, no
    clipboard write, no cursor move, even when a sequence is split over two chunks."""
    from prepops.runtime.runner.client import _Relay

    hostile = (
        b"\x1b[32mINFO\x1b[0m plan for Acme\x1b]0;owned\x07\n"
        b"\tclip \x1b]52;c;ZWNobyBoaQ==\x07 \x1b[2J\x1b[Hdone\r\n"
    )
    assert sanitize.for_relay(hostile) == (b"\x1b[32mINFO\x1b[0m plan for Acme\n\tclip  done\r\n")
    relay = _Relay()
    cut = hostile.index(b"52;") + 1  # the OSC 52 sequence arrives in two chunks
    relay.write(hostile[:cut])
    relay.write(hostile[cut:])
    relay.write(b"last line \x1b]2;x", final=True)
    assert capsysbinary.readouterr().out == sanitize.for_relay(hostile) + b"last line "
