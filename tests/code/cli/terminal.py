"""Drive a command in a real pseudo-terminal (Python's pty module): what a person sees and types."""

from __future__ import annotations

import os
import pty
import select
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path


class Terminal:
    """A child process whose stdin, stdout and stderr are one pseudo-terminal."""

    def __init__(self, argv: Sequence[str], env: dict[str, str], cwd: str) -> None:
        pid, fd = pty.fork()  # the child gets the terminal as its controlling tty: ^C is SIGINT
        if pid == 0:  # pragma: no cover - the child
            try:
                os.chdir(cwd)
                os.execve(argv[0], list(argv), env)
            finally:
                os._exit(127)
        self.pid, self.fd, self.seen = pid, fd, ""

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return True
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            return False
        self.seen += chunk.decode("utf-8", errors="replace").replace("\r\n", "\n")
        return bool(chunk)

    def expect(self, text: str, timeout: float = 60) -> None:
        """Wait until `text` has been printed since the start (AssertionError on timeout)."""
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            left = deadline - time.monotonic()
            assert left > 0 and self._read(min(left, 0.5)), f"no {text!r} in:\n{self.seen}"

    def send(self, text: str) -> None:
        """Type `text` (a newline is Enter, \\x03 is Ctrl-C)."""
        os.write(self.fd, text.encode())

    def interrupt(self, timeout: float = 10) -> None:
        """Press Ctrl-C once the child is blocked reading the terminal.

        A SIGINT that lands between the prompt's write and its read() only sets Python's flag;
        the read then blocks until Enter (a person never presses Ctrl-C that fast, a test
        does). On Linux the child's wait channel says when it is in the tty read.
        """
        wchan = Path(f"/proc/{self.pid}/wchan")
        deadline = time.monotonic() + timeout
        while wchan.exists() and time.monotonic() < deadline:
            if wchan.read_text() in {"wait_woken", "n_tty_read"}:
                break
            time.sleep(0.05)
        else:
            time.sleep(0.5)
        self.send("\x03")

    def wait(self, timeout: float = 60) -> int:
        """Read until the child exits; its exit code (-n when killed by signal n)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                while self._read(0.1):
                    pass
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
            self._read(0.2)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        raise AssertionError(f"still running after {timeout}s:\n{self.seen}")


def prepops(*args: str) -> list[str]:
    """The argv of `prepops ARGS` run with this interpreter."""
    return [sys.executable, "-m", "prepops.cli.app", *args]
