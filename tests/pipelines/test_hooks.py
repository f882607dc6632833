"""The pre-commit hooks against a private, DVC-tracked workspace, as a user has it.

The published hook (.pre-commit-hooks.yaml) runs from another repository through
`pre-commit try-repo`, which builds the hook's own environment from a git copy of this
checkout; the local hook (.pre-commit-config.yaml) runs through `pre-commit install` and real
`git commit`s. pre-commit is not in the lock: it is installed from PyPI into a temporary venv
(with pre-commit-uv, so the hook environment comes from uv's cache, pinned to the lock),
and the tests skip when that fails, unless PREPOPS_REQUIRE_HOOKS=1.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
import yaml

from tests.repo_copy import BIN, GIT_ID, ROOT, git_copy

COMPANY = """company: Acme
role: Staff Engineer
level: Staff
status: active
primary_mode: debugging
value: {comp_k: 250, excitement: 4, role_clarity: 3, process_speed: 3}
"""
ROUND = """id: acme-recruiter-2026-10-07
company: Acme
date: 2026-10-07
stage: recruiter_screen
confidence: 0.6
outcome: advanced
questions:
- text: Walk me through your last two roles.
  mode_used: leadership
"""
BROKEN = ROUND.replace("confidence: 0.6", "confidence: 7")  # a probability above 1
FIXED = ROUND.replace("confidence: 0.6", "confidence: 0.65")  # a new version, not the first
ROUND_FILE = "rounds/acme-recruiter-2026-10-07.yaml"


@pytest.fixture(scope="module")
def pre_commit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pre-commit (and pre-commit-uv) in a temporary venv, from PyPI."""
    home = tmp_path_factory.mktemp("pre-commit-venv")
    venv.create(home, with_pip=True)
    result = subprocess.run(
        [str(home / "bin" / "python"), "-m", "pip", "install", "-q", "pre-commit", "pre-commit-uv"],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        reason = f"cannot install pre-commit from PyPI: {result.stderr.strip()[-300:]}"
        if os.environ.get("PREPOPS_REQUIRE_HOOKS") == "1":
            pytest.fail(reason)
        pytest.skip(reason + " (PREPOPS_REQUIRE_HOOKS=1 makes this a failure)")
    return home / "bin" / "pre-commit"


def _env(tmp: Path) -> dict[str, str]:
    """A user's shell: the project's tools on PATH, no PREPOPS_ROOT, no telemetry."""
    env = {k: v for k, v in os.environ.items() if k not in ("PREPOPS_ROOT", "PYTHONPATH")}
    return (
        env
        | GIT_ID
        | {
            "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
            "PRE_COMMIT_HOME": str(tmp / "pre-commit-home"),
            # The hook environment: the locked versions (what `make install` put in uv's cache).
            "UV_CONSTRAINT": str(ROOT / "requirements.lock"),
            "DVC_NO_ANALYTICS": "1",
        }
    )


def _refusal(out: str) -> bool:
    """The broken round's problem line (`<file>[:<line>]: <field>: <rule> (got <value>)`)."""
    pattern = re.escape(ROUND_FILE) + r"(:\d+)?: confidence: must be <= 1 \(got 7\)"
    return re.search(pattern, out) is not None


def _run(cmd: list[str], cwd: Path, env: dict, ok: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if ok:
        assert result.returncode == 0, f"{cmd}: {result.stdout}\n{result.stderr}"
    return result


def _private_workspace(repo: Path, env: dict) -> Path:
    """`prepops init private` in `repo` (a git and DVC repository), a company card and a
    round written by hand, recorded with `dvc commit -f` and staged as the README says."""
    _run([str(BIN / "prepops"), "init", "private"], repo, env)
    ws = repo / "private"
    (ws / "companies" / "acme.yaml").write_text(COMPANY)
    (ws / ROUND_FILE).write_text(ROUND)
    _record(repo, env)
    return ws


def _record(repo: Path, env: dict) -> None:
    _run(["dvc", "commit", "-f", "private"], repo, env)
    _run(["git", "add", "private.dvc"], repo, env)


def _user_repo(tmp: Path, env: dict) -> Path:
    """Another repository: params.yaml naming a private workspace, no dvc.yaml, no prepops."""
    repo = tmp / "user"
    repo.mkdir()
    _run(["git", "init", "-q", "-b", "main"], repo, env)
    _run(["dvc", "init", "-q"], repo, env)
    (repo / "params.yaml").write_text("workspace: private\nas_of: null\n")
    _private_workspace(repo, env)
    _run(["git", "add", "-A"], repo, env)
    _run(["git", "commit", "-qm", "workspace"], repo, env)
    return repo


@pytest.mark.e2e
def test_published_hook_from_another_repository(tmp_path: Path, pre_commit: Path) -> None:
    env = _env(tmp_path)
    hooks = tmp_path / "prepops"
    hooks.mkdir()
    git_copy(hooks)
    repo = _user_repo(tmp_path, env)
    try_repo = [str(pre_commit), "try-repo", str(hooks), "prepops-validate"]

    (repo / "private" / ROUND_FILE).write_text(BROKEN)
    _record(repo, env)  # only the pointer is staged: the hook must still run
    refused = _run(try_repo, repo, env, ok=False)
    out = refused.stdout + refused.stderr
    assert refused.returncode == 1, out
    assert _refusal(out), out
    assert f"checked private/ (`workspace: private` in {repo / 'params.yaml'})" in out
    assert "private.dvc matches the files on disk" in out  # the contract refused it, not DVC

    (repo / "private" / ROUND_FILE).write_text(FIXED)
    _record(repo, env)
    passed = _run(try_repo, repo, env, ok=False)
    out = passed.stdout + passed.stderr
    assert passed.returncode == 0, out
    assert re.search(r"prepops check-commit .*Passed", out), out


@pytest.mark.e2e
def test_local_hook_refuses_commits_of_unchecked_versions(tmp_path: Path, pre_commit: Path) -> None:
    repo = tmp_path / "prepops"
    repo.mkdir()
    env = git_copy(repo) | {"DVC_NO_ANALYTICS": "1"}
    env.pop("PREPOPS_ROOT", None)
    (repo / ".venv").symlink_to(BIN.parent)  # the local hook runs .venv/bin/prepops
    with (repo / ".git" / "info" / "exclude").open("a") as exclude:
        exclude.write(".venv\n")  # .gitignore's `.venv/` matches a folder, not this link
    params = repo / "params.yaml"
    settings = yaml.safe_load(params.read_text())
    assert settings["workspace"] == "data"  # the demo, until the user names their own
    params.write_text(params.read_text().replace("workspace: data", "workspace: private", 1))
    ws = _private_workspace(repo, env)
    _run(["git", "add", "params.yaml", ".gitignore"], repo, env)
    _run([str(pre_commit), "install"], repo, env)
    commit = ["git", "commit", "-qm", "week"]
    _run(commit, repo, env)

    (ws / ROUND_FILE).write_text(BROKEN)
    _record(repo, env)
    refused = _run(commit, repo, env, ok=False)
    assert refused.returncode != 0
    assert _refusal(refused.stderr), refused.stderr  # git prints a hook's output on stderr

    (ws / ROUND_FILE).write_text(FIXED)  # fixed on disk, but the staged pointer is the broken one
    mismatch = _run(commit, repo, env, ok=False)
    assert mismatch.returncode != 0
    assert "private.dvc: private: the files on disk differ" in mismatch.stderr
    assert "`dvc commit -f private.dvc`" in mismatch.stderr

    _record(repo, env)
    _run(commit, repo, env)
    committed = _run(["git", "show", "HEAD:private.dvc"], repo, env).stdout
    sys.path.insert(0, str(repo / "src"))
    from prepops.features.versioning import dir_md5

    assert yaml.safe_load(committed)["outs"][0]["md5"] == dir_md5(ws)


# --- `prepops check-commit` itself, without pre-commit (fast) --------------------------------


def _check(repo: Path, env: dict) -> subprocess.CompletedProcess:
    return _run([str(BIN / "prepops"), "check-commit"], repo, env, ok=False)


def test_check_commit_compares_the_pointer_with_the_files(tmp_path: Path) -> None:
    env = _env(tmp_path) | {"PYTHONPATH": str(ROOT / "src")}
    repo = _user_repo(tmp_path, env)
    ws = repo / "private"
    clean = _check(repo, env)
    assert clean.returncode == 0, clean.stderr
    assert clean.stdout == ""
    assert clean.stderr.startswith(f"checked private/ (`workspace: private` in {repo}/params")
    assert "private.dvc matches the files on disk: valid" in clean.stderr

    (ws / ROUND_FILE).write_text(FIXED)  # valid, but not recorded
    moved = _check(repo, env)
    assert moved.returncode == 1
    assert moved.stdout.splitlines() == [
        "private.dvc: private: the files on disk differ from the version the pointer records"
        " (modified); run `dvc commit -f private.dvc`, then `git add private.dvc`"
    ]
    (ws / ROUND_FILE).write_text(BROKEN)
    both = _check(repo, env)
    assert both.returncode == 1 and len(both.stdout.splitlines()) == 2  # one line each
    assert _refusal(both.stdout) and "1 contract problem(s)" in both.stderr

    _record(repo, env)
    for cached in (repo / ".dvc" / "cache").iterdir():  # the recorded version, gone from cache
        shutil.rmtree(cached)
    (ws / ROUND_FILE).write_text(ROUND)
    lost = _check(repo, env)
    assert "(not in cache); run `dvc pull private.dvc`" in lost.stdout


def test_check_commit_without_a_project_exits_2(tmp_path: Path) -> None:
    env = _env(tmp_path) | {"PYTHONPATH": str(ROOT / "src")}
    result = _check(tmp_path, env)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "no params.yaml" in result.stderr
