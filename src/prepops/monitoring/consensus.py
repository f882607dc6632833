"""Feedback tags: heard at several companies (consensus, likely real) or at one (local noise).

Rule-based, so these findings carry no p-value and are capped at medium.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from prepops.runtime.settings import Monitor


def _tags_by_company(rounds: pd.DataFrame) -> dict[str, dict[str, list[str]]]:
    """tag -> company -> ids of the rounds whose feedback carried the tag."""
    seen: dict[str, dict[str, list[str]]] = {}
    for rid, company, tags in zip(rounds["id"], rounds["company"], rounds["feedback"], strict=True):
        if isinstance(tags, (list, np.ndarray)):
            for tag in tags:
                seen.setdefault(str(tag), {}).setdefault(company, []).append(str(rid))
    return seen


def feedback(rounds: pd.DataFrame, cfg: Monitor) -> list[dict]:
    """consensus_feedback and local_noise findings, one per feedback tag that is either."""
    out = []
    n_companies = rounds["company"].nunique()
    for tag, by_company in sorted(_tags_by_company(rounds).items()):
        round_ids = sorted(i for v in by_company.values() for i in v)
        k = len(by_company)
        if k >= cfg.consensus_companies:
            kind, severity = "consensus_feedback", "medium"
            summary = f"'{tag}' heard at {k} of {n_companies} companies: likely real"
        elif k == 1:
            kind, severity = "local_noise", "info"
            company = next(iter(by_company))
            summary = f"'{tag}' only at {company} ({len(round_ids)} round(s)): likely local noise"
        else:
            continue  # too many companies for local noise, too few for consensus
        out.append(
            {
                "kind": kind,
                "severity": severity,
                "subject": tag,
                "summary": summary,
                "company": next(iter(by_company)) if k == 1 else None,
                "evidence": {
                    "n": len(round_ids),
                    "statistic": {"companies": k, "of_companies": n_companies},
                    "p_value": None,
                    "interval": None,
                    "round_ids": round_ids,
                },
            }
        )
    return out
