"""Workspace text on its way out of the tables: one function per place it is shown.

A company name, a story title or a file name is whatever the candidate (or a file someone
sent them) wrote, and the contract only asks that it be non-blank text. Where it leaves the
tables it must stay text:

- a terminal or a log: no control characters, so no escape sequence (a window title, an
  OSC 52 clipboard write, a cursor move) reaches the terminal; one line stays one line;
- a plot CSV: `dvc plots show` embeds the rows as JSON in an inline `<script>`, so no `<`
  (nothing can close the script or open a comment); see `for_plot_data`;
- Markdown (`plan.md`): no link, image, HTML, emphasis, code span, math or table break.

Matplotlib text is `for_terminal` text drawn with math parsing off (report.figures).
Pure: `re` only, so the CLI can import it at no cost.
"""

from __future__ import annotations

import re

# String sequences (OSC, DCS, SOS, PM, APC; 7- and 8-bit) run to BEL or ST: dropped whole,
# to the end of the text when unterminated, as a terminal would swallow them.
_STRING_SEQ = r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]).*?(?:\x07|\x1b\\|\x9c|\Z)"
_CSI = r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]"
_OTHER_ESC = r"\x1b[\x20-\x2f]*[\x30-\x7e]"  # nF, Fp, Fe and Fs escapes: ESC ( B, ESC c, ...
_SEQUENCES = re.compile(f"{_STRING_SEQ}|{_CSI}|{_OTHER_ESC}", re.DOTALL)
_BREAKS = re.compile(r"[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]")  # each becomes one space
# Other C0, DEL, C1; bidi embeddings, overrides and isolates (they reorder what follows)
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")  # lone halves: unprintable, unencodable

# Look-alikes for the two characters that make markup: in any font that has Latin-1
# (U+2039, U+203A), unlike the fullwidth forms, and never read as a tag by HTML or Vega.
_PLOT = str.maketrans({"<": "\u2039", ">": "\u203a"})

_MD_PUNCT = re.compile(r"([\\`*_{}\[\]()<>#!|~&:@$])")
_MD_WWW = re.compile(r"(?i)\b(www)\.")  # GFM links a bare www.x.y: the dot is escaped too


def for_terminal(text: object) -> str:
    """`text` as one line of printable characters: escape sequences and controls removed."""
    out = _SEQUENCES.sub("", str(text))
    out = _BREAKS.sub(" ", out)
    out = _CONTROLS.sub("", out)
    return _SURROGATES.sub("\ufffd", out)


def for_plot_data(text: object) -> str:
    """`for_terminal` text with `<` and `>` as look-alikes (‹ ›): inert in an HTML page."""
    # Look-alikes rather than entities: dvc-render puts the rows in a <script> (where &lt; is
    # not decoded) and Vega draws them as SVG or canvas text, so an entity would be shown as
    # "&lt;". Without "<" nothing can end the script or start an HTML comment inside it;
    # "&" and quotes are plain text in a script, and JSON escapes the quotes.
    return for_terminal(text).translate(_PLOT)


def for_markdown(text: object) -> str:
    """`for_terminal` text with Markdown's active punctuation backslash-escaped."""
    # Links and images ([ ] ( ) !), HTML and autolinks (< > : @ www.), entities (&), emphasis
    # and strikethrough (* _ ~), code spans (`), math ($), table cells (|), headings (#),
    # braces and the backslash itself. Not "." or "-": "a|b.yaml" stays readable.
    return _MD_WWW.sub(r"\1\\.", _MD_PUNCT.sub(r"\\\1", for_terminal(text)))


_SGR = re.compile(r"\x1b\[[0-9;]*m")  # colours and weights: the only sequence a log needs
_RELAY_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def for_relay(data: bytes) -> bytes:
    """A stage's output as the runner relays it: lines, tabs and colours kept; every other
    escape sequence (titles, OSC 52 clipboard writes, cursor moves) and control dropped."""
    text = data.decode("utf-8", errors="replace")
    kept: list[str] = []
    for part in re.split(f"({_SGR.pattern})", text):
        if _SGR.fullmatch(part):
            kept.append(part)
        else:
            part = _SEQUENCES.sub("", part)
            kept.append(_RELAY_CONTROLS.sub("", part))
    return "".join(kept).encode()
