"""The runner's wire format, its code fingerprint and its on/off switch (no heavy imports)."""

from __future__ import annotations

import hashlib
import os
import socket
import struct
from pathlib import Path

SOCKET = "prepops-runner.sock"
HEADER = struct.Struct("!cI")  # kind (R request, O output, X exit, E env differs, S stale), size
SWITCH = "PREPOPS_RUNNER"


def switched_off() -> bool:
    """True when PREPOPS_RUNNER=off (or 0/false/no): stages run in their own process."""
    return os.environ.get(SWITCH, "on").strip().lower() in {"off", "0", "false", "no"}


def code_dirs() -> list[Path]:
    """Where this interpreter finds the prepops and pipelines packages (nothing imported)."""
    import importlib.util

    dirs = []
    for name in ("prepops", "pipelines"):
        spec = importlib.util.find_spec(name)
        if spec and spec.submodule_search_locations:
            dirs.append(Path(next(iter(spec.submodule_search_locations))).resolve())
    return dirs


def fingerprint(dirs: list[Path]) -> str:
    """A hash of every source file's path, mtime and size: any edit changes it."""
    entries = []
    for folder in dirs:
        for path in sorted(folder.rglob("*")):
            if path.suffix in {".py", ".yaml"} and "__pycache__" not in path.parts:
                st = path.stat()
                entries.append(f"{path}:{st.st_mtime_ns}:{st.st_size}")
    return hashlib.sha256("\n".join(entries).encode()).hexdigest()[:16]


def prefect_env(env: dict[str, str]) -> dict[str, str]:
    """The PREFECT_* variables that shape a flow run.

    Prefect reads them once, at import, so the runner only serves callers whose values equal
    its own (the server's own, the home, the API URL and the UI URL are set by prepops for
    the server it starts, which the runner inherits: excluded, or no caller would match).
    """
    return {
        key: value
        for key, value in env.items()
        if key.startswith("PREFECT_")
        and not key.startswith("PREFECT_SERVER_")
        and key not in ("PREFECT_HOME", "PREFECT_API_URL", "PREFECT_UI_URL")
    }


def send(conn: socket.socket, kind: bytes, payload: bytes) -> None:
    """Send one framed message."""
    conn.sendall(HEADER.pack(kind, len(payload)) + payload)


def recv_exact(conn: socket.socket, n: int) -> bytes:
    """Read exactly n bytes, or raise ConnectionError when the peer hangs up."""
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ConnectionError("runner closed the connection")
        data += chunk
    return data


def receive(conn: socket.socket) -> tuple[bytes, bytes]:
    """Read one framed message: (kind, payload)."""
    kind, size = HEADER.unpack(recv_exact(conn, HEADER.size))
    return kind, recv_exact(conn, size) if size else b""
