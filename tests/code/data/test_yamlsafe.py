"""Hostile and broken YAML: every case is a clear problem, never a crash or a side effect."""

from __future__ import annotations

from pathlib import Path

import pytest

from prepops.data.yamlsafe import read_yaml

BOMB = b"a: &a [x, x, x, x, x, x, x, x, x]\n" + b"".join(
    f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n".encode()
    for p, n in zip("abcdefg", "bcdefgh", strict=True)
)

CASES = [
    (b"a: [1, 2\nb: 3\n", "malformed YAML at line 2, column 2"),
    (b"!!python/object/apply:os.system ['touch /tmp/prepops-pwned']\n", "unsupported YAML tag"),
    (b"x: !!python/name:os.system\n", "unsupported YAML tag"),
    (b"", "file is empty: expected one YAML mapping"),
    (b"# only a comment\n", "file is empty: expected one YAML mapping"),
    (b"- a\n- b\n", "file must be one YAML mapping, not a list"),
    (b"just text\n", "file must be one YAML mapping, not str"),
    (b"\xff\xfeid: x\n", "file is not valid UTF-8 (byte 0xff at offset 0)"),
    (b"id: a\nid: b\n", "duplicate key 'id' at line 2, column 1: each key once"),
    (BOMB, "YAML aliases expand to more than 100000 nodes (alias bomb?)"),
]


@pytest.mark.parametrize(("raw", "rule"), CASES, ids=[c[1][:40] for c in CASES])
def test_bad_yaml_is_one_clear_problem(tmp_path: Path, raw: bytes, rule: str) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(raw)
    doc, problems = read_yaml(path, "rounds/f.yaml", 1_000_000)
    assert doc is None
    assert len(problems) == 1
    assert problems[0].file == "rounds/f.yaml"
    assert rule in problems[0].rule


def test_python_tags_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "f.yaml"
    path.write_text(f"!!python/object/apply:os.system ['touch {marker}']\n")
    read_yaml(path, "f.yaml", 1_000_000)
    assert not marker.exists()


def test_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"\xef\xbb\xbfid: abc\r\ndate: 2026-10-01\r\n")
    doc, problems = read_yaml(path, "f.yaml", 1_000_000)
    assert problems == []
    assert doc == {"id": "abc", "date": "2026-10-01"}  # dates stay text for the schema


def test_impossible_date_does_not_crash(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("date: 2026-02-30\n")
    assert read_yaml(path, "f.yaml", 1_000_000) == ({"date": "2026-02-30"}, [])


def test_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("a: " + "x" * 100 + "\n")
    doc, problems = read_yaml(path, "f.yaml", 50)
    assert doc is None
    assert str(problems[0]) == "f.yaml: (file): file is larger than the 50-byte limit (got 104)"


def test_field_lines_name_every_written_field(tmp_path: Path) -> None:
    from prepops.data.yamlsafe import read_yaml_lines

    path = tmp_path / "f.yaml"
    path.write_text(
        "# comment\n"
        "id: a\n"
        "rubric:\n"
        "  depth: 2\n"
        "questions:\n"
        "- text: Q\n"
        "  follow_ups:\n"
        "  - {kind: clarifying, text: Before the system, who is this for?}\n"
        "  evidence: [x, y]\n"
    )
    doc, problems, lines = read_yaml_lines(path, "f.yaml", 1_000_000)
    assert problems == [] and doc["id"] == "a"
    assert lines["id"] == 2 and lines["rubric.depth"] == 4
    assert (lines["questions[0]"], lines["questions[0].text"]) == (6, 6)
    assert lines["questions[0].follow_ups[0].kind"] == 8
    assert lines["questions[0].follow_ups[0].who is this for?"] == 8
    assert lines["questions[0].evidence[1]"] == 9


def test_a_bomb_is_walked_once_per_node(tmp_path: Path) -> None:
    import yaml

    from prepops.data.yamlsafe import field_lines

    lines = field_lines(yaml.compose(BOMB.decode(), Loader=yaml.SafeLoader))
    assert len(lines) < 200  # nine nodes per level, not 9**8 paths


def test_a_parse_error_carries_its_line(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"id: a\nid: b\n")
    (problem,) = read_yaml(path, "rounds/f.yaml", 1_000_000)[1]
    assert problem.line == 2 and str(problem).startswith("rounds/f.yaml:2: (file): duplicate")
