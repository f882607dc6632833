"""Version ids: DVC's folder hash, recomputed (the e2e test compares with dvc.lock)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from prepops.features.versioning import dir_md5, short, versions


def test_dir_md5_is_dvcs_manifest_hash(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "b.yaml").write_bytes(b"b: 1\n")
    (tmp_path / "sub" / "a.yaml").write_bytes(b"a: 1\n")
    entries = [
        {"md5": hashlib.md5(b"b: 1\n").hexdigest(), "relpath": "b.yaml"},
        {"md5": hashlib.md5(b"a: 1\n").hexdigest(), "relpath": "sub/a.yaml"},
    ]
    expected = hashlib.md5(json.dumps(entries, sort_keys=True).encode()).hexdigest() + ".dir"
    assert dir_md5(tmp_path) == expected


def test_any_byte_changes_the_version(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("a: 1\n")
    before = dir_md5(tmp_path)
    (tmp_path / "a.yaml").write_text("a: 2\n")
    assert dir_md5(tmp_path) != before


def test_versions_of_a_workspace(demo_ws: Path) -> None:
    got = versions(demo_ws)
    assert got["template_version"] == short(got["template_md5"])
    assert len(got["template_version"]) == 10
    assert got["evidence_md5"].endswith(".dir")
    assert versions(demo_ws / "nowhere")["template_version"] is None
