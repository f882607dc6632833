"""What the runner imports, group by group, in the order `dvc repro` runs the stages."""

from __future__ import annotations

import contextlib
import importlib
import sys
import time

# What each stage would otherwise import on first use, in the order `dvc repro` runs them.
# The runner answers as soon as the first group is loaded and imports the next group while
# the stage runs in its child (2 cores: one for the stage, one for the imports), so a cold
# repro does not wait for every library before its first stage.
GROUPS: tuple[tuple[str, ...], ...] = (
    (
        "pipelines.ingest",
        "prefect.flow_engine",
        "prefect.task_engine",
        "prefect.utilities.visualization",  # imports graphviz, on every flow call
        "anyio._backends._asyncio",
        "anyio.streams.memory",
        "anyio.streams.stapled",
        "anyio.streams.tls",
        "rich._emoji_codes",
        "pyarrow.parquet",
        "pandas.core.arrays.arrow.extension_types",
        "pandas.core.methods.to_dict",
        "pandas.io.formats.csvs",
        "pandas.io.formats.string",
        "pandera.accessors.pandas_accessor",
        "pandera.backends.pandas.container",
    ),
    (
        "pipelines.validate",
        "great_expectations",
        "great_expectations.expectations",
        "great_expectations.render.renderer.site_builder",
        "jinja2.ext",
        "pyarrow.dataset",
    ),
    (
        "pipelines.rehearse",
        "mlflow.tracking",
        "mlflow.entities",
        "mlflow.store.tracking.sqlalchemy_store",
        "mlflow.store.tracking.sqlalchemy_workspace_store",
        "alembic.command",
        "alembic.config",
    ),
    (
        "pipelines.train_router",
        "prepops.model.pyfunc",
        # MLflow maps modules to packages on its first model log by reading every installed
        # package's file list (0.5 s); the map is cached for the process and its children
        "mlflow.utils.requirements_utils:_init_modules_to_packages_map",
    ),
    ("pipelines.evaluate", "pipelines.monitor", "pipelines.plan"),
    ("pipelines.report", "matplotlib.backends.backend_svg", "PIL.Image:preinit"),
)


def load(group: tuple[str, ...]) -> None:
    """Import one group (and make its listed calls); failures are left to the stage."""
    start = time.perf_counter()
    for name in group:
        module, _, call = name.partition(":")
        with contextlib.suppress(Exception):  # the stage's own import reports it properly
            imported = importlib.import_module(module)
            if call:
                getattr(imported, call)()
    # to server.log, for `make bench` investigations of where a cold repro waits
    print(
        f"runner: imported {group[0]} (+{len(group) - 1}) in {time.perf_counter() - start:.2f} s",
        file=sys.stderr,
        flush=True,
    )
