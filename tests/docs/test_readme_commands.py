"""The README's commands for a new user, run as written in a fresh copy of the repository.

Each block under test follows a `<!-- readme-test: NAME -->` line in README.md; the test reads
the block from the README itself (so the text cannot drift from the code), runs each command
line with bash in a fresh git copy (tests/repo_copy.py, as a fresh clone: dvc.lock kept), and
checks the output shape the README states: exit codes, keys and phrases. A README block with
a marker but no check here, or a check whose block is gone, fails.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.repo_copy import BIN, ROOT, git_copy

README = ROOT / "README.md"
MARKED = re.compile(r"<!-- readme-test: ([\w-]+) -->\n```(?:bash)?\n(.*?)```", re.S)
EDIT = re.compile(r"#\s*edit (\S+):(.*)")  # `# edit params.yaml: key: value and key: value`
MODES = {"debugging", "architecture", "leadership", "product", "research"}


@dataclass
class Ran:
    """One command line of a block and what it did."""

    line: str
    code: int
    out: str
    err: str


def blocks() -> dict[str, str]:
    """Every marked block of the README, by name."""
    found: dict[str, str] = {}
    for name, body in MARKED.findall(README.read_text(encoding="utf-8")):
        assert name not in found, f"two README blocks are marked {name!r}"
        found[name] = body
    return found


def command_lines(body: str, first_paragraph: bool = False) -> list[str]:
    """The block's command lines (comment lines and blank lines dropped; `# edit` kept)."""
    if first_paragraph:
        body = body.split("\n\n")[0]
    lines = [ln.strip() for ln in body.replace("\\\n", " ").splitlines()]
    return [ln for ln in lines if ln and (not ln.startswith("#") or EDIT.match(ln))]


def apply_edit(line: str, cwd: Path) -> None:
    """A `# edit FILE: key: value and key: value (why)` line: set those top-level keys."""
    file, changes = EDIT.match(line).groups()
    changes = re.sub(r"\(.*\)", "", changes)
    path = cwd / file
    text = path.read_text()
    for change in re.split(r"\s+and\s+", changes.strip()):
        key, value = (part.strip() for part in change.split(":", 1))
        text, count = re.subn(rf"(?m)^{re.escape(key)}:.*$", f"{key}: {value}", text)
        assert count == 1, f"{file} has no top-level `{key}:` for the README's edit"
    path.write_text(text)


def run_block(lines: list[str], cwd: Path, env: dict) -> list[Ran]:
    """Each line in bash, in `cwd`, without a terminal (as CI runs it)."""
    ran = []
    for line in lines:
        if EDIT.match(line):
            apply_edit(line, cwd)
            continue
        done = subprocess.run(
            ["bash", "-c", line],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=1800,
        )
        ran.append(Ran(line, done.returncode, done.stdout, done.stderr))
    return ran


def ok(ran: list[Ran]) -> None:
    for r in ran:
        assert r.code == 0, f"`{r.line}` exited {r.code}:\n{r.out}\n{r.err}"


@pytest.fixture
def copy(tmp_path: Path) -> tuple[Path, dict]:
    """A fresh copy of the repository, as a clone has it, and the environment to run it in."""
    env = git_copy(tmp_path, keep_lock=True) | {"DVC_NO_ANALYTICS": "1"}
    env.pop("PREPOPS_ROOT", None)
    return tmp_path, env


def test_every_marked_block_has_a_check() -> None:
    assert set(blocks()) == set(CHECKS), "a README block marked readme-test needs a check here"
    for name, body in blocks().items():
        assert command_lines(body), f"README block {name!r} holds no command"


# --- blocks that need no DVC run ------------------------------------------------------------


def check_validate(root: Path, env: dict, lines: list[str]) -> None:
    ran = run_block(lines, root, env)
    ok(ran)
    plain, as_json, check = ran
    assert "valid" in plain.err and f"`workspace: data` in {root / 'params.yaml'}" in plain.err
    assert json.loads(as_json.out) == []
    assert check.err.startswith("checked data/ (") and "valid" in check.err

    # The same commands on a broken round: one line per problem in the README's format, exit 1.
    round_file = sorted((root / "data" / "rounds").glob("*.yaml"))[0]
    round_file.write_text(round_file.read_text().replace("confidence: ", "confidence: 7 #", 1))
    plain, as_json, check = run_block(lines, root, env)
    assert (plain.code, as_json.code, check.code) == (1, 1, 1)
    shape = rf"^rounds/{re.escape(round_file.name)}(:\d+)?: confidence: .+ \(got 7\)$"
    assert re.search(shape, plain.out, re.M), plain.out
    found = json.loads(as_json.out)
    assert len(found) == 1 and {"file", "field", "rule"} <= set(found[0]), found
    assert re.search(shape, check.out, re.M) and "refused" in check.err


def check_versions(root: Path, env: dict, lines: list[str]) -> None:
    ran = run_block(lines, root, env)
    ok(ran)
    ids = json.loads(ran[0].out)
    for kind in ("template", "evidence"):
        full, short = ids[f"{kind}_md5"], ids[f"{kind}_version"]
        assert full.endswith(".dir") and len(short) == 10 and full.startswith(short)
    # README: "dvc.lock records the one of templates/" (a fresh clone's committed lock).
    assert ids["template_md5"] in (root / "dvc.lock").read_text()


def check_route(root: Path, env: dict, lines: list[str]) -> None:
    ran = run_block(lines, root, env)
    ok(ran)
    text, routed, retrieved = ran
    first = text.out.splitlines()[0].split()
    assert first[0] in MODES and "confidence" in first, text.out
    decision = json.loads(routed.out)
    # README: the mode, a `secondary` mode, the `confidence`, a probability per mode
    # (`scores`) and the cue phrases that fired.
    assert {"mode", "secondary", "confidence", "scores", "cues"} <= set(decision)
    assert set(decision["scores"]) == MODES
    assert sum(decision["scores"].values()) == pytest.approx(1, abs=0.01)
    picked = json.loads(retrieved.out)
    assert {"story", "metric", "failure_mode"} <= set(picked)  # one of each


def score_keys() -> list[str]:
    """The keys the README's table under "Scoring an answer" defines."""
    section = README.read_text(encoding="utf-8").split("## Scoring an answer", 1)[1]
    table = section.split("\n\n| key |", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"`(\w+)`", "\n".join(ln.split("|")[1] for ln in table.splitlines()[2:]))


def check_score(root: Path, env: dict, lines: list[str]) -> None:
    answers = yaml.safe_load((ROOT / "tests" / "data" / "transcripts.yaml").read_text())
    (root / "answer.txt").write_text(answers[0]["text"] + "\n")
    ran = run_block(lines, root, env)
    ok(ran)
    text, as_json = ran
    scores = json.loads(as_json.out)
    keys = score_keys()
    assert len(keys) >= 10, keys
    assert set(keys) <= set(scores), set(keys) - set(scores)
    shown = {ln.split(":", 1)[0].strip() for ln in text.out.splitlines() if ":" in ln}
    assert set(keys) <= shown


def check_where(root: Path, env: dict, lines: list[str]) -> None:
    ran = run_block(lines, root, env)
    ok(ran)
    out = ran[0].out
    for phrase in ("reports:", "Prefect UI", "MLflow UI"):  # what the block's comment names
        assert phrase in out, out


# --- blocks that run `dvc repro` --------------------------------------------------------------


def _stop_runner(root: Path, env: dict) -> None:
    subprocess.run([str(BIN / "prepops"), "runner", "stop"], cwd=root, env=env, check=False)


def check_quickstart(root: Path, env: dict, lines: list[str]) -> None:
    """`make run` with this checkout's .venv: installing is not what this test is about, so
    the copy links the project's .venv and make is told not to rebuild its stamp (-o)."""
    bare = [re.sub(r"\s+#\s.*$", "", line) for line in lines]  # without their comments
    assert bare == ["make run", "make test"], bare  # a changed block needs this test changed
    (root / ".venv").symlink_to(BIN.parent)
    env = env | {"PATH": f"{BIN}:{env['PATH']}"}
    try:
        # `make test` is this test suite: running it from inside would recurse.
        ran = run_block(["make -o .venv/.installed run"], root, env)
    finally:
        _stop_runner(root, env)
    ok(ran)
    assert (root / "reports" / "index.html").is_file()
    assert f"Report: {(root / 'reports' / 'index.html').as_uri()}" in ran[0].out
    # README (Versions): the full version ids are in reports/tables/manifest.json.
    ids = json.loads(run_block(["prepops versions"], root, env)[0].out)
    manifest = (root / "reports" / "tables" / "manifest.json").read_text()
    assert ids["template_md5"] in manifest and ids["evidence_md5"] in manifest


def check_init(root: Path, env: dict, lines: list[str]) -> None:
    """The block's first paragraph (the optional remote after it is tests/pipelines/
    test_remote.py's), then the README's `dvc commit -f private` after an edit."""
    try:
        ran = run_block(lines, root, env)
    finally:
        _stop_runner(root, env)
    ok(ran)
    assert "created private" in ran[0].out and "tracked by DVC: private.dvc" in ran[0].out
    assert yaml.safe_load((root / "params.yaml").read_text())["workspace"] == "private"
    ingested = json.loads((root / "reports" / "tables" / "manifest.json").read_text())
    assert "private" in json.dumps(ingested)

    assert "`dvc commit -f private`" in README.read_text(encoding="utf-8")
    backbone = root / "private" / "templates" / "backbone.yaml"
    backbone.write_text(backbone.read_text() + "\n# edited\n")
    prompt, forced = run_block(["dvc commit private", "dvc commit -f private"], root, env)
    assert prompt.code != 0, "README: without -f, dvc commit fails with no terminal"
    assert forced.code == 0, forced.err
    status = run_block(["dvc status --json private.dvc"], root, env)[0]
    assert json.loads(status.out) == {}


CHECKS = {
    "validate": check_validate,
    "versions": check_versions,
    "route": check_route,
    "score": check_score,
    "where": check_where,
    "quickstart": check_quickstart,
    "init": check_init,
}
SLOW = {"quickstart", "init"}  # dvc repro


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.e2e) if n in SLOW else n for n in CHECKS],
)
def test_readme_block(name: str, copy: tuple[Path, dict]) -> None:
    root, env = copy
    body = blocks().get(name)
    assert body is not None, f"README.md has no block marked `<!-- readme-test: {name} -->`"
    CHECKS[name](root, env, command_lines(body, first_paragraph=name == "init"))
