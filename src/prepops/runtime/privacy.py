"""Nothing leaves the machine by default, and no password is printed.

`no_telemetry()` turns off the usage reporting of the libraries prepops runs, before they
are imported, in this process and in every child it starts (they inherit os.environ):

- MLflow 3 (`mlflow.telemetry`): a client reports usage events and fetches its config from
  config.mlflow-telemetry.io; `MLFLOW_DISABLE_TELEMETRY` (or `DO_NOT_TRACK=true`) stops
  both, and the UI server then tells the browser that UI telemetry is off too.
- Prefect 3: the server's analytics (`PREFECT_SERVER_ANALYTICS_ENABLED`), for the shared
  local server and for the temporary one started in a stage's process, and the SDK's own
  events from flow runs (`DO_NOT_TRACK`). Its v2 UI bundle loads Amplitude's SDK, which
  fetches its remote config from amplitude.com even with analytics off (seen in headless
  Chromium), so the servers prepops starts open the v1 UI by default, which loads nothing
  from outside (`PREFECT_SERVER_UI_V2_ENABLED=false`; /v2 is still there), and without
  promotional content.
- Great Expectations: `GX_ANALYTICS_ENABLED` (data.expectations also turns it off itself).
- DVC, where prepops runs it (`prepops init`, `check-commit`): `DVC_NO_ANALYTICS`.

Values already set win (`setdefault`): a user may opt in.
"""

from __future__ import annotations

import os
import re

QUIET = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",  # MLflow reads "true" only; Prefect reads 1, true or yes
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_UI_V2_ENABLED": "false",
    "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
    "GX_ANALYTICS_ENABLED": "False",
    # DVC reports usage unless a repository's config says not to: this one's does, a user's
    # own repository (prepops init, the hooks) may not
    "DVC_NO_ANALYTICS": "1",
}

_SECRET_QUERY = re.compile(r"(?i)([?&](?:password|passwd|pwd|token|secret)=)[^&#]*")


def no_telemetry() -> None:
    """Switch MLflow, Prefect and Great Expectations telemetry off unless already set."""
    for name, value in QUIET.items():
        os.environ.setdefault(name, value)


def mask_uri(uri: str) -> str:
    """`uri` with its password shown as *** (`user:***@host`, `?password=***`)."""
    # From the user name to the last @ before the query: a password with an unencoded / or @
    # is masked whole too.
    scheme, sep, rest = uri.partition("://")
    if sep:
        cut = min((i for i in (rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
        at = rest.rfind("@", 0, cut)
        if at >= 0 and ":" in rest[:at]:
            uri = f"{scheme}://{rest[: rest.index(':')]}:***{rest[at:]}"
    return _SECRET_QUERY.sub(r"\1***", uri)
