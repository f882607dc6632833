"""The `prepops` Typer app: registers the commands of each group module, in help order.

Heavy libraries are imported inside commands, never at import time (a cold `prepops route`
must stay fast); tests/code/cli checks that.
"""

from __future__ import annotations

import sys

import typer

from prepops.cli import checks, cohort, data, model, records, runner, services, training

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="prepops: interview preparation run like an ML lifecycle.",
)

# The order `prepops --help` lists them in.
COMMANDS = (
    data.validate,
    checks.check_commit,
    training.score,
    model.route,
    model.retrieve,
    data.synth,
    data.log,
    records.outcome,
    records.company,
    training.rehearse,
    services.ui,
    data.versions,
    data.init,
    services.where,
    services.stop,
    services.version,
)
for _command in COMMANDS:
    app.command()(_command)
app.add_typer(runner.runner_app, name="runner")
app.add_typer(cohort.cohort_app, name="cohort")


def main() -> None:  # pragma: no cover - console entry point
    """Run the app as `prepops`."""
    app(prog_name="prepops")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
