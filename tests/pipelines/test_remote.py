"""A private workspace's round trip through a real DVC remote: moto's S3-compatible server on
loopback, `prepops init private`, `dvc push`, then `dvc pull` into an empty cache and in a
fresh clone that runs the GitHub workflow template's own pull and validate steps. Needs the s3
extra (`make install EXTRAS=s3`); without it the test skips, unless PREPOPS_REQUIRE_REMOTE=1."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.remote

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "prepops-validate.yml"
BIN = Path(sys.executable).parent
BUCKET = "prepops-remote-test"
# What the workflow's secrets stand for here: moto accepts any key pair.
SECRETS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"moto server exited {proc.returncode}: {proc.stdout.read()}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"no answer from {url} in {timeout} s")


@pytest.fixture(scope="module")
def s3_endpoint():
    missing = [m for m in ("dvc_s3", "moto", "boto3") if importlib.util.find_spec(m) is None]
    if missing:
        reason = f"needs {', '.join(missing)} (the s3 extra): `make install EXTRAS=s3`"
        if os.environ.get("PREPOPS_REQUIRE_REMOTE") == "1":
            pytest.fail(f"PREPOPS_REQUIRE_REMOTE=1 but {reason}")
        pytest.skip(reason)
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(url, proc)
        import boto3

        boto3.client(
            "s3",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id=SECRETS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=SECRETS["AWS_SECRET_ACCESS_KEY"],
        ).create_bucket(Bucket=BUCKET)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _env(home: Path, creds: dict[str, str]) -> dict[str, str]:
    """A clean environment: the venv first, no ambient AWS setup, git identity for commits."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return {
        **env,
        **creds,
        "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        "HOME": str(home),  # no user AWS config or credentials file is read
        "AWS_DEFAULT_REGION": "us-east-1",
        "NO_PROXY": "127.0.0.1,localhost",
        "AWS_EC2_METADATA_DISABLED": "true",  # no credential lookups off this machine
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }


def _run(cmd: list[str] | str, cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(
        cmd,
        cwd=cwd,
        env=env,
        shell=isinstance(cmd, str),
        stdin=subprocess.DEVNULL,  # as in CI: nothing may wait for a terminal
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, f"{cmd}: {result.stdout}{result.stderr}"
    return result.stdout + result.stderr


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _workflow_steps() -> dict[str, dict]:
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["validate"]["steps"]
    return {step["run"].split()[0].rsplit("/", 1)[-1]: step for step in steps if "run" in step}


def test_workflow_installs_the_plugin_its_pull_step_needs() -> None:
    steps = _workflow_steps()
    assert "EXTRAS=s3" in steps["make"]["run"]
    assert steps["dvc"]["run"].strip() == ".venv/bin/dvc pull"
    # every credential is a repository secret, passed as an env var of the pull step only
    assert set(steps["dvc"]["env"]) == set(SECRETS)
    assert all(v == f"${{{{ secrets.{k} }}}}" for k, v in steps["dvc"]["env"].items())


def _repo_with_private_workspace(repo: Path, endpoint: str, env: dict[str, str]) -> None:
    _run(["git", "init", "-q", "-b", "main"], repo, env)
    _run([str(BIN / "dvc"), "init", "-q"], repo, env)
    out = _run([str(BIN / "prepops"), "init", "private"], repo, env)
    assert "tracked by DVC: private.dvc" in out
    (repo / "params.yaml").write_text("workspace: private\n")
    remote = f"s3://{BUCKET}/store"
    _run([str(BIN / "dvc"), "remote", "add", "-d", "store", remote], repo, env)
    _run([str(BIN / "dvc"), "remote", "modify", "store", "endpointurl", endpoint], repo, env)
    _run("git add -A && git commit -q -m workspace", repo, env)
    tracked = _run(["git", "ls-files"], repo, env).split()
    assert "private.dvc" in tracked and not any(f.startswith("private/") for f in tracked)


def test_push_then_pull_round_trip_through_a_real_remote(s3_endpoint, tmp_path) -> None:
    repo, home = tmp_path / "repo", tmp_path / "home"
    repo.mkdir()
    home.mkdir()
    env = _env(home, SECRETS)
    _repo_with_private_workspace(repo, s3_endpoint, env)
    before = _snapshot(repo / "private")
    assert before

    _run([str(BIN / "dvc"), "push"], repo, env)
    shutil.rmtree(repo / ".dvc" / "cache")
    shutil.rmtree(repo / "private")
    _run([str(BIN / "dvc"), "pull"], repo, env)
    assert _snapshot(repo / "private") == before

    # an edit recorded as the README says (`dvc commit -f`, no terminal), pushed, then pulled
    # by a fresh clone through the workflow template's own steps
    edited = next(p for p in sorted((repo / "private").rglob("*.yaml")))
    edited.write_text(edited.read_text() + "\n# edited\n")
    _run([str(BIN / "dvc"), "commit", "-f", "private"], repo, env)
    _run([str(BIN / "dvc"), "push"], repo, env)
    _run("git commit -q -am edit", repo, env)
    after = _snapshot(repo / "private")
    assert after != before

    clone = tmp_path / "clone"
    _run(["git", "clone", "-q", str(repo), str(clone)], tmp_path, env)
    (clone / ".venv").symlink_to(Path(sys.prefix))  # the venv `make install EXTRAS=s3` made
    steps = _workflow_steps()
    step_env = {k: SECRETS[k] for k in steps["dvc"]["env"]}
    _run(steps["dvc"]["run"], clone, _env(home, step_env))
    assert _snapshot(clone / "private") == after
    out = _run(steps["prepops"]["run"], clone, _env(home, {}))
    assert "private" in out  # exit 0 (valid), and it names the workspace it checked


def test_pull_without_credentials_fails_and_says_so(s3_endpoint, tmp_path) -> None:
    repo, home = tmp_path / "repo", tmp_path / "home"
    repo.mkdir()
    home.mkdir()
    _repo_with_private_workspace(repo, s3_endpoint, _env(home, SECRETS))
    _run([str(BIN / "dvc"), "push"], repo, _env(home, SECRETS))
    shutil.rmtree(repo / ".dvc" / "cache")
    shutil.rmtree(repo / "private")
    result = subprocess.run(
        [str(BIN / "dvc"), "pull"],
        cwd=repo,
        env=_env(home, {}),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "credentials" in (result.stdout + result.stderr).lower()
    assert not (repo / "private").exists() or not any((repo / "private").rglob("*.yaml"))
