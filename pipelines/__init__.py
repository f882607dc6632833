"""Thin Prefect flows, one per DVC stage: `python -m pipelines.<stage>`.

When this package is imported because the interpreter was started as
`python -m pipelines.<stage>`, the stage is first offered to the warm runner
(prepops.warm), which has the heavy libraries imported already; without one, the shared
Prefect server is started in the background and the stage module runs here as usual.
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
    from prepops.orchestration import prefect_home, start_server
    from prepops.paths import Paths
    from prepops.warm import delegate, enabled

    home = prefect_home(Paths().prefect_home)
    code = delegate(home, module)
    if code is not None:
        sys.exit(code)
    if enabled():
        start_server(home)  # boots while this process imports its libraries


_offer_to_warm_runner()
