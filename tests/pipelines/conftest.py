"""Flow tests run under Prefect's own test harness, with PREFECT_HOME in a temp folder."""

from __future__ import annotations

import os
import tempfile

import pytest

# Set before any flow module imports prefect, which reads its settings at import.
os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="prepops-prefect-home-")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield
