"""What keeps other local users and web pages out of the local servers and the runner.

The Prefect server and the runner listen on this machine only, but "this machine" includes
other users and every web page open in the user's browser. So: the state folder is private
(0700, files 0600), the Prefect API needs a per-project password kept in a 0600 file, a
recorded pid is signalled only while it is still our server, and the runner's socket,
folder and state are trusted only when they belong to this user and nobody else can write.
"""

from __future__ import annotations

import os
import secrets
import stat
import time
from pathlib import Path

AUTH_FILE = "prepops-auth"  # "prepops:<random>": Prefect's basic-auth string for this project
USER = "prepops"


def private_dir(path: Path) -> Path:
    """Create `path` (if needed) readable and writable by this user only."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def private_file(path: Path) -> int:
    """Open `path` for appending, created 0600 (logs that name companies)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.fchmod(fd, 0o600)
    return fd


def auth_string(home: Path) -> str:
    """The project's Prefect API password, created once in a 0600 file."""
    path = private_dir(home) / AUTH_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(f"{USER}:{secrets.token_urlsafe(24)}\n")
    return path.read_text(encoding="utf-8").strip()


def owned_and_private(path: Path) -> str | None:
    """Why `path` cannot be trusted (another owner, or writable by others), or None."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return None  # nothing there to trust or distrust
    if stat.S_ISLNK(st.st_mode):
        return f"{path} is a symlink"
    if st.st_uid != os.getuid():
        return f"{path} belongs to uid {st.st_uid}, not to you ({os.getuid()})"
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"{path} is writable by other users"
    return None


def peer_uid(sock) -> int:
    """The uid of the process at the other end of a Unix socket (SO_PEERCRED)."""
    import socket
    import struct

    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", creds)[1]


def alive(pid: int) -> bool:
    """True if process `pid` exists, even when another user owns it."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_our_server(pid: int, home: Path | None = None) -> bool:
    """True while `pid` is still a prepops Prefect server watchdog (pids are recycled), and,
    given `home`, the one serving that folder: a recycled pid can be another project's
    server, which must not be reused or stopped in this one's name."""
    if Path("/proc/self").is_dir():
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return False
    else:  # no /proc (macOS): ask ps
        import subprocess

        out = subprocess.run(["ps", "-o", "command=", "-p", str(pid)], capture_output=True)
        cmdline = out.stdout.split()
    if b"prepops.runtime.prefect_server" not in cmdline or b"serve" not in cmdline:
        return False
    if home is None:
        return True
    served = cmdline[cmdline.index(b"serve") + 1 :][:1]  # the folder follows `serve`
    return bool(served) and Path(os.fsdecode(served[0])).resolve() == Path(home).resolve()


def await_exec(proc, home: Path, timeout: float = 30.0) -> None:
    """Return once the new watchdog `proc` shows its command line (or has died).

    Popen returns when the child's exec has begun, not finished: until the kernel has laid out
    the new program's arguments, /proc/<pid>/cmdline reads empty, and `is_our_server` would
    call a healthy new watchdog gone (measured: 4 % of starts on an idle machine, 76 % with
    both cores busy; CI's intermittent "pid N is now ''")."""
    end = time.monotonic() + timeout
    while not is_our_server(proc.pid, home) and proc.poll() is None and time.monotonic() < end:
        time.sleep(0.001)


def why_gone(pid: int) -> str:
    """Why a recorded server watchdog `pid` no longer counts as one (for error messages)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return f"its watchdog, pid {pid}, has exited"
    return f"pid {pid} is now {cmdline.strip()[:200]!r}"
