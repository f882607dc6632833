"""Another user of the same machine against the local Prefect server: run as uid 65534 (root
can), in a folder that user may traverse, so only prepops' own lockdown stands in the way."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from prepops.runtime import lockdown
from prepops.runtime import prefect_server as orchestration

pytestmark = [
    pytest.mark.flow,
    pytest.mark.skipif(os.geteuid() != 0, reason="running a client as another uid needs root"),
]

# What the other user tries: read the password and the database, then call the API without
# the password and with a guessed one. Prints one JSON object of outcomes.
_INTRUDER = r"""
import base64, json, sys, urllib.error, urllib.request
home, url = sys.argv[1], sys.argv[2]
out = {}
for name in ("prepops-auth", "prefect.db", "server.log"):
    try:
        open(f"{home}/{name}", "rb").read(1)
        out[name] = "read"
    except OSError as exc:
        out[name] = type(exc).__name__
for label, headers in (("none", {}), ("guess", {"Authorization": "Basic "
        + base64.b64encode(b"prepops:prepops").decode()})):
    req = urllib.request.Request(url + "/admin/version", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=90) as resp:
            out[label] = resp.status
    except urllib.error.HTTPError as exc:
        out[label] = exc.code
print(json.dumps(out))
"""


def test_another_local_user_gets_neither_the_password_nor_the_api(monkeypatch) -> None:
    """The folder is 0700, its files 0600, and the API answers 401 without the password."""
    monkeypatch.setenv("PREPOPS_RUNNER", "off")
    place = Path(tempfile.mkdtemp(prefix="prepops-shared-"))
    os.chmod(place, 0o755)  # the other user can reach .prefect's parent, as in a home folder
    home = place / ".prefect"
    url = orchestration.ensure_server(home, startup_timeout=420)  # CI machines are busy
    try:
        assert lockdown.auth_string(home)  # the password exists, for this user
        result = subprocess.run(
            ["/usr/bin/python3", "-c", _INTRUDER, str(home), url],
            user=65534,
            group=65534,
            capture_output=True,
            text=True,
            timeout=300,  # two API calls on a loaded CI machine
        )
        assert result.returncode == 0, result.stderr
        seen = json.loads(result.stdout)
    finally:
        orchestration.stop_server(home)
        shutil.rmtree(place)
    assert seen["prepops-auth"] == "PermissionError"
    assert seen["prefect.db"] == "PermissionError"
    assert seen["server.log"] == "PermissionError"
    assert seen["none"] == 401
    assert seen["guess"] == 401
