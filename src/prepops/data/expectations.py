"""Great Expectations suites: distribution-level checks pandera's per-field rules cannot say.

Each expectation runs on a table of the feature store (or a small table derived from it,
such as evidence packets per expert mode). Results are warnings unless params.yaml lists
the expectation under `validate.expectations_as_errors`. Data Docs are built into
reports/data_docs/. Analytics are switched off before Great Expectations is imported.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd

from prepops.data.contract import MODES
from prepops.runtime.progress import progress

SITE = "prepops"
BAR_FROM_ROWS = 20_000  # below this the suites run in a few seconds: no bar


def derived(
    tables: dict[str, pd.DataFrame], today: dt.date, pending_after_days: int
) -> dict[str, pd.DataFrame]:
    """The frames the suites read: the stored tables plus the columns the checks need."""
    rounds = tables["rounds"]
    cutoff = pd.Timestamp(today - dt.timedelta(days=pending_after_days))
    modes = tables["evidence"].explode("modes")["modes"].value_counts()
    return {
        "rounds": rounds.assign(
            stale_pending=(rounds["outcome"] == "pending") & (rounds["date"] < cutoff)
        )[["id", "confidence", "outcome", "stale_pending"]],
        "questions": tables["questions"][["round_id", "mode_wanted"]],
        "rehearsals": tables["rehearsals"][["id", "transcript"]],
        "mode_evidence": pd.DataFrame(
            {"mode": list(MODES), "evidence_packets": [int(modes.get(m, 0)) for m in MODES]}
        ),
    }


def suites(frames: dict[str, pd.DataFrame]) -> dict[str, list]:
    """The expectations per derived frame; the confidence spread needs three rounds or more."""
    import great_expectations.expectations as gxe

    rounds = [gxe.ExpectColumnValuesToBeInSet(column="stale_pending", value_set=[False])]
    if len(frames["rounds"]) >= 3:  # with fewer rounds a constant confidence says nothing yet
        rounds.append(gxe.ExpectColumnUniqueValueCountToBeBetween(column="confidence", min_value=2))
    return {
        "rounds": rounds,
        "questions": [gxe.ExpectColumnValuesToNotBeNull(column="mode_wanted", mostly=0.5)],
        "rehearsals": [gxe.ExpectColumnValueLengthsToBeBetween(column="transcript", min_value=1)],
        "mode_evidence": [
            gxe.ExpectColumnValuesToBeBetween(column="evidence_packets", min_value=1)
        ],
    }


def _rows(name: str, result, as_errors: list[str]) -> list[dict]:
    """One row per check of a suite's validation result."""
    rows = []
    for r in result.results:
        kind = r.expectation_config.type
        rows.append(
            {
                "suite": name,
                "expectation": kind,
                "column": r.expectation_config.kwargs.get("column"),
                "success": bool(r.success),
                "severity": "error" if kind in as_errors else "warning",
                "observed": r.result.get("observed_value", r.result.get("unexpected_count")),
            }
        )
    return rows


def run(frames: dict[str, pd.DataFrame], docs_dir: Path, as_errors: list[str]) -> list[dict]:
    """Validate every frame against its suite, build Data Docs, return one row per check."""
    os.environ["GX_ANALYTICS_ENABLED"] = "False"
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.enable_analytics(False)
    # GE's own bars print one line per expectation; ours below is one bar for the suites
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    ctx.add_data_docs_site(
        SITE,
        {
            "class_name": "SiteBuilder",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(docs_dir),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    source = ctx.data_sources.add_pandas("prepops")
    plan, rows = suites(frames), []
    # small tables validate in a moment: a bar only when there are many rows to check
    big = sum(len(frame) for frame in frames.values()) >= BAR_FROM_ROWS
    with progress("validating", len(plan) + 1, min_total=1 if big else len(plan) + 2) as advance:
        for name, expectations in plan.items():
            batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("all")
            suite = ctx.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))
            definition = ctx.validation_definitions.add(
                gx.ValidationDefinition(name=name, data=batch, suite=suite)
            )
            rows += _rows(
                name, definition.run(batch_parameters={"dataframe": frames[name]}), as_errors
            )
            advance()
        ctx.build_data_docs(site_names=[SITE])
        advance()
    return rows
