"""Launch one DVC stage: `python -m prepops.runtime.stage <stage>` (what dvc.yaml runs).

The stage is `pipelines/<stage>.py`'s main(). By default it is handed to the runner
(runtime.runner), which has the libraries imported already; the shared local Prefect server
(and the runner beside it) is started when neither runs. With PREPOPS_RUNNER=off, or when
the runner cannot serve, the stage runs right here, in this process: a debugger or a
`breakpoint()` in a flow stops where you expect. `python -m pipelines.<stage>` always runs
in-process.
"""

from __future__ import annotations

import importlib
import re
import sys

from prepops.runtime.privacy import no_telemetry

_STAGE = re.compile(r"[a-z][a-z_]*")


def run_here(stage: str) -> None:
    """Import pipelines.<stage> in this process and run its main()."""
    importlib.import_module(f"pipelines.{stage}").main()


def hand_over(stage: str) -> int | None:
    """The stage's exit code from the runner, or None when it should run here."""
    from prepops.runtime.paths import Paths
    from prepops.runtime.prefect_server import prefect_home, start_server
    from prepops.runtime.runner.client import delegate, enabled

    if not enabled():
        return None
    home = prefect_home(Paths().prefect_home)
    start_server(home)  # no-op when it runs; else it boots with the runner beside it
    return delegate(home, f"pipelines.{stage}")


def main(argv: list[str] | None = None) -> None:
    """Run the named stage through the runner when it can serve, else in this process."""
    no_telemetry()  # here, the runner and the Prefect server it starts: nothing sent anywhere
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not _STAGE.fullmatch(args[0]):
        sys.exit("usage: python -m prepops.runtime.stage <stage>  (see dvc.yaml)")
    stage = args[0]
    code = hand_over(stage)
    if code is not None:
        sys.exit(code)
    run_here(stage)


if __name__ == "__main__":
    main()
