"""The runner's guards: it is bypassed when Prefect points elsewhere, and its code
fingerprint changes with any source edit (so stale code is never run)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from prepops.runtime.runner import client, protocol, server, warmup


def test_fingerprint_follows_source_edits(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    before = protocol.fingerprint([tmp_path])
    assert protocol.fingerprint([tmp_path]) == before
    (tmp_path / "a.py").write_text("x = 22\n")
    assert protocol.fingerprint([tmp_path]) != before


def test_disabled_when_prefect_points_elsewhere(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    for var in ("PREPOPS_RUNNER", "PREFECT_API_URL", "PREPOPS_PREFECT_SERVER", "PREFECT_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    assert client.enabled()
    (tmp_path / "profiles.toml").write_text(
        'active = "team"\n[profiles.team]\nPREFECT_API_URL = "http://prefect.example:4200/api"\n'
    )
    assert not client.enabled()
    (tmp_path / "profiles.toml").unlink()
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    assert not client.enabled()
    assert client.delegate(tmp_path, "pipelines.ingest") is None


def test_no_runner_means_run_here(tmp_path: Path, monkeypatch) -> None:
    for var in ("PREPOPS_RUNNER", "PREFECT_API_URL", "PREPOPS_PREFECT_SERVER"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    assert client.delegate(tmp_path, "pipelines.ingest") is None  # no socket: run in-process


def test_a_server_started_without_runner_is_not_waited_for(tmp_path: Path, monkeypatch) -> None:
    """A server started with PREPOPS_RUNNER=off has no runner: stages must not wait 30 s each."""
    import json
    import os

    from prepops.runtime.prefect_server import STATE

    for var in ("PREPOPS_RUNNER", "PREFECT_API_URL", "PREPOPS_PREFECT_SERVER"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    state = {"api_url": "http://127.0.0.1:9/api", "pid": os.getpid(), "runner": False}
    (tmp_path / STATE).write_text(json.dumps(state))
    assert not client.starting(tmp_path)

    def no_waiting(_: float) -> None:
        raise AssertionError("waited for a runner that was never started")

    monkeypatch.setattr(client.time, "sleep", no_waiting)
    assert client.delegate(tmp_path, "pipelines.ingest") is None  # gave up at once
    (tmp_path / STATE).write_text(json.dumps(state | {"runner": True}))
    assert client.starting(tmp_path)  # this process is alive: a runner may still be importing


def _ask(runner: server._Runner, request: dict) -> tuple[bytes, str | None]:
    """Send one request through a socket pair; the output and the exit code (or 'S')."""
    import json
    import socket

    ours, theirs = socket.socketpair()
    with ours:
        protocol.send(ours, b"R", json.dumps(request).encode())
        runner.accept(theirs)
        output = b""
        while True:
            kind, size = protocol.HEADER.unpack(protocol.recv_exact(ours, protocol.HEADER.size))
            payload = protocol.recv_exact(ours, size) if size else b""
            if kind == b"O":
                output += payload
            else:
                return output, payload.decode() if kind == b"X" else kind.decode()


def test_runner_answers_before_later_groups_are_imported(tmp_path: Path, monkeypatch) -> None:
    """A cold repro's first stage must not wait for libraries only later stages need; the
    requested stage's own group is imported first, the rest stays pending. Requests with
    other PREFECT_* settings or other code are not served."""
    import os
    import sys

    (tmp_path / "stage_a.py").write_text(
        "import os, sys\ndef main():\n    os.write(1, f'ran {\"later_lib\" in sys.modules}'.encode())\n"
        "    raise SystemExit(3)\n"
    )
    (tmp_path / "later_lib.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(warmup, "GROUPS", (("stage_a",), ("later_lib",)))
    runner = server._Runner("fp", allowed=re.compile(r"stage_[a-z]"))
    request = {"module": "stage_a", "cwd": str(tmp_path), "env": dict(os.environ)}
    output, code = _ask(runner, request | {"fingerprint": "fp"})
    runner.finish()
    assert code == "3"  # the child's exit code comes back
    assert output.decode().strip() == "ran False"
    assert "stage_a" in sys.modules and "later_lib" not in sys.modules
    assert ("later_lib",) in runner.pending
    assert not runner.stale
    debug = request | {"env": request["env"] | {"PREFECT_LOGGING_LEVEL": "DEBUG-ISH"}}
    output, code = _ask(runner, debug | {"fingerprint": "fp"})
    assert code == "E" and not runner.stale  # other Prefect settings: run by the caller
    output, code = _ask(runner, request | {"fingerprint": "edited"})
    assert code == "S" and runner.stale  # stale code: refused, and the runner will exit


def test_stage_answers_before_prefect_drains(tmp_path: Path, monkeypatch) -> None:
    """The exit code reaches the caller (and DVC) when the stage's main() returns, not when
    its atexit work (Prefect draining logs and events) ends: ordering, not timing."""
    import os

    answered, drained = tmp_path / "answered", tmp_path / "drained"
    (tmp_path / "stage_b.py").write_text(
        "import atexit, pathlib, time\n"
        "def drain():\n"
        f"    answered = pathlib.Path({str(answered)!r})\n"
        "    for _ in range(200):  # up to 10 s for the caller to have its answer\n"
        "        if answered.exists():\n"
        "            break\n"
        "        time.sleep(0.05)\n"
        f"    pathlib.Path({str(drained)!r}).write_text(str(answered.exists()))\n"
        "def main():\n"
        "    atexit.register(drain)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(warmup, "GROUPS", (("stage_b",),))
    runner = server._Runner("fp", allowed=re.compile(r"stage_[a-z]"))
    request = {"module": "stage_b", "cwd": str(tmp_path), "env": dict(os.environ)}
    _, code = _ask(runner, request | {"fingerprint": "fp"})
    answered.write_text("")  # only now: a runner that waited for the drain never sees it
    runner.finish()  # joins the relay, which reaps the child after its drain
    assert code == "0"
    assert drained.read_text() == "True"


def test_a_connection_lost_mid_stage_is_a_failure_not_a_second_run(
    tmp_path: Path, monkeypatch
) -> None:
    """Once the request is sent the runner may be running the stage: the caller must not run
    it again itself (None would mean "run here"); it fails so `dvc repro` can be rerun."""
    import socket
    import threading

    for var in ("PREPOPS_RUNNER", "PREFECT_API_URL", "PREPOPS_PREFECT_SERVER", "PREFECT_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    got = []

    def runner_that_dies(listener: socket.socket) -> None:
        conn, _ = listener.accept()
        got.append(protocol.receive(conn))  # took the request, then went away
        conn.close()

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(str(tmp_path / protocol.SOCKET))
        listener.listen(1)
        peer = threading.Thread(target=runner_that_dies, args=(listener,))
        peer.start()
        code = client.delegate(tmp_path, "pipelines.ingest")
        peer.join()
    assert got and got[0][0] == b"R"
    assert code == client.LOST


def test_an_interrupted_caller_stops_its_stage(tmp_path: Path, monkeypatch) -> None:
    """Ctrl-C or kill of the caller (DVC) closes its connection: the runner stops the stage's
    child instead of letting it write outputs nobody waits for."""
    import json
    import os
    import socket
    import subprocess
    import sys
    import time

    started, finished = tmp_path / "started", tmp_path / "finished"
    (tmp_path / "stage_c.py").write_text(
        "import os, pathlib, time\n"
        "def main():\n"
        f"    pathlib.Path({str(started)!r}).write_text(str(os.getpid()))\n"
        "    time.sleep(30)\n"
        f"    pathlib.Path({str(finished)!r}).write_text('')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(warmup, "GROUPS", (("stage_c",),))
    runner = server._Runner("fp", allowed=re.compile(r"stage_[a-z]"))
    request = {"module": "stage_c", "cwd": str(tmp_path), "env": dict(os.environ)}
    request["fingerprint"] = "fp"
    (tmp_path / "request.json").write_text(json.dumps(request))
    # The caller is another process, as DVC's stage is: its end of the socket dies with it.
    caller_code = (
        "import json, socket, sys, time\n"
        "from prepops.runtime.runner import protocol\n"
        "conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
        "conn.connect(sys.argv[1])\n"
        "protocol.send(conn, b'R', open(sys.argv[2], 'rb').read())\n"
        "time.sleep(60)\n"
    )
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(str(tmp_path / "runner.sock"))
        listener.listen(1)
        caller = subprocess.Popen(
            [
                sys.executable,
                "-c",
                caller_code,
                str(tmp_path / "runner.sock"),
                str(tmp_path / "request.json"),
            ]
        )
        runner.accept(listener.accept()[0])
    deadline = time.monotonic() + 20
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    pid = int(started.read_text())
    caller.kill()  # kill -9 of the caller
    caller.wait()
    runner.finish()  # the relay returns once the child is stopped and reaped
    assert not finished.exists()
    try:
        os.kill(pid, 0)
        alive = True
    except ProcessLookupError:
        alive = False
    assert not alive


def test_only_pipeline_stages_run(tmp_path: Path) -> None:
    """A request naming any other module is refused before anything is imported."""
    import os

    runner = server._Runner("fp")
    request = {"module": "os", "cwd": str(tmp_path), "env": dict(os.environ), "fingerprint": "fp"}
    output, code = _ask(runner, request)
    assert code == "S" and output == b"" and not runner.stale


def test_an_untrusted_state_folder_is_not_used(tmp_path: Path, monkeypatch) -> None:
    """A state file (or socket, or folder) others can write is never trusted: a process of
    another user could answer as the runner and receive this user's environment."""
    import os

    from prepops.runtime.prefect_server import STATE

    for var in ("PREPOPS_RUNNER", "PREFECT_API_URL", "PREPOPS_PREFECT_SERVER", "PREFECT_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    (tmp_path / STATE).write_text('{"pid": 1, "runner": true}')
    os.chmod(tmp_path / STATE, 0o666)
    assert "writable by other users" in client.untrusted(tmp_path)
    monkeypatch.setattr(client, "connect", lambda *_: pytest.fail("connected anyway"))
    assert client.delegate(tmp_path, "pipelines.ingest") is None


def test_the_environment_sent_is_the_stage_s_only() -> None:
    env = {"PATH": "/bin", "MLFLOW_TRACKING_URI": "x", "SSH_AUTH_SOCK": "/tmp/agent", "X": "1"}
    assert client.stage_env(env) == {"PATH": "/bin", "MLFLOW_TRACKING_URI": "x"}


@pytest.mark.skipif(
    os.geteuid() != 0 or not Path("/usr/bin/python3").exists(),
    reason="needs root (to act as a second local user) and a system python3",
)
def test_another_local_user_is_not_served(tmp_path: Path) -> None:
    """Even through a socket others can reach, a request from another uid runs nothing."""
    import json
    import socket
    import subprocess

    runner = server._Runner("fp", allowed=re.compile(r"stage_[a-z]"))
    import shutil
    import tempfile

    place = Path(tempfile.mkdtemp(prefix="prepops-open-"))  # reachable by the other user
    os.chmod(place, 0o777)
    sock_path = place / "runner.sock"
    request = {"module": "stage_x", "cwd": "/", "env": {}, "fingerprint": "fp"}
    caller_code = (
        "import json, socket, sys\n"
        "conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
        "conn.connect(sys.argv[1])\n"
        "body = sys.argv[2].encode()\n"
        "try:  # refused: the runner may close before, during or after the send\n"
        "    conn.sendall(b'R' + len(body).to_bytes(4, 'big') + body)\n"
        "    print(repr(conn.recv(16)))\n"
        "except (BrokenPipeError, ConnectionResetError):\n"
        "    print(repr(b''))\n"
    )
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(str(sock_path))
        os.chmod(sock_path, 0o777)
        listener.listen(1)
        caller = subprocess.Popen(
            ["/usr/bin/python3", "-c", caller_code, str(sock_path), json.dumps(request)],
            user=65534,
            stdout=subprocess.PIPE,
            text=True,
        )
        runner.accept(listener.accept()[0])
        out, _ = caller.communicate(timeout=20)
    shutil.rmtree(place)
    assert out.strip() == "b''"  # closed without an answer
    assert not runner.relays  # nothing was forked


def test_the_server_s_own_settings_do_not_turn_callers_away(tmp_path: Path) -> None:
    """The runner inherits the environment prepops starts the server with: none of what is
    set there for the server (its UI address, say) may make every caller's settings differ."""
    from prepops.runtime.prefect_server import _server_env
    from prepops.runtime.runner.protocol import prefect_env

    home = tmp_path / ".prefect"
    home.mkdir(mode=0o700)
    assert prefect_env(_server_env(home, 4321)) == prefect_env(dict(os.environ))
