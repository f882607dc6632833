"""Thin Prefect flows, one per DVC stage: `python -m pipelines.<stage>`.

When this package is imported because the interpreter was started as
`python -m pipelines.<stage>`, the stage is first offered to the warm runner
(prepops.runtime.runner), which has the heavy libraries imported already (starting it, with the
shared Prefect server, when neither runs); if it cannot serve, the stage module runs here.
Importing the package in any other way does nothing.
"""

import sys


def _offer_to_warm_runner() -> None:
    argv = getattr(sys, "orig_argv", [])
    if sys.argv[:1] != ["-m"] or "-m" not in argv[:-1]:
        return
    module = argv[argv.index("-m") + 1]
    if not module.startswith("pipelines.") or module.startswith("pipelines._"):
        return
    from prepops.runtime.paths import Paths
    from prepops.runtime.prefect_server import prefect_home, start_server
    from prepops.runtime.runner import delegate, enabled

    home = prefect_home(Paths().prefect_home)
    if not enabled():
        return
    start_server(home)  # no-op when it runs; else it boots with the warm runner beside it
    code = delegate(home, module)
    if code is not None:
        sys.exit(code)


_offer_to_warm_runner()
