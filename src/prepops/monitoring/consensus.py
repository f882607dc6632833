"""Feedback tags: heard across companies (consensus, tested) or at one only (local noise).

A tag heard at >= `consensus_companies` companies is tested: outside its home company (the
one that says it most) is it heard in more rounds than a stray, company-specific phrase
would be (`monitor.stray_tag_ok` of rounds, exact binomial)? Counting rounds, not
companies: with 4-6 companies no company count could survive the run's correction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from prepops.monitoring import stats
from prepops.monitoring.findings import Candidate
from prepops.runtime.settings import Monitor

LARGE_SHARE = 0.25  # heard in a quarter of other companies' rounds: a pattern, not a stray


def _tags_by_company(rounds: pd.DataFrame) -> dict[str, dict[str, list[str]]]:
    """tag -> company -> ids of the rounds whose feedback carried the tag."""
    seen: dict[str, dict[str, list[str]]] = {}
    for rid, company, tags in zip(rounds["id"], rounds["company"], rounds["feedback"], strict=True):
        if isinstance(tags, (list, np.ndarray)):
            for tag in tags:
                seen.setdefault(str(tag), {}).setdefault(company, []).append(str(rid))
    return seen


def _consensus(tag: str, by_company: dict[str, list[str]], heard: pd.Series, cfg: Monitor):
    """The tag's candidate: rounds carrying it outside its home company vs stray feedback."""
    home = min(by_company, key=lambda c: (-len(by_company[c]), c))
    outside = int(heard[heard.index != home].sum())  # rounds with feedback elsewhere
    hits = sum(len(v) for c, v in by_company.items() if c != home)
    res = stats.binomial_greater(hits, outside, cfg.stray_tag_ok)
    k, n_companies = len(by_company), len(heard)
    return Candidate(
        "consensus_feedback",
        tag,
        f"'{tag}' heard at {k} of {n_companies} companies: in {hits} of the {outside} rounds "
        f"with feedback outside {home} ({res['rate']:.0%})",
        outside,
        {
            "companies": k,
            "of_companies": n_companies,
            "home": home,
            "outside_rate": res["rate"],
            "acceptable": cfg.stray_tag_ok,
            "test": "binomial (rounds outside its home company)",
        },
        res["p_value"],
        sorted(i for v in by_company.values() for i in v),
        large=res["rate"] >= LARGE_SHARE,
        interval=res["interval"],
        expected=f"a phrase of {home}'s alone in at most {cfg.stray_tag_ok:.0%} of other "
        f"rounds ({cfg.stray_tag_ok * outside:.1f} of {outside}), it was in {hits}",
        unit="rounds with feedback at other companies",
    )


def _local(tag: str, company: str, round_ids: list[str], n_companies: int) -> dict:
    return {
        "kind": "local_noise",
        "severity": "info",
        "subject": tag,
        "summary": f"'{tag}' only at {company} ({len(round_ids)} round(s)): likely local noise",
        "company": company,
        "evidence": {
            "n": len(round_ids),
            "statistic": {"companies": 1, "of_companies": n_companies},
            "p_value": None,
            "interval": None,
            "round_ids": sorted(round_ids),
        },
    }


def feedback(rounds: pd.DataFrame, cfg: Monitor) -> tuple[list[Candidate], list[dict]]:
    """consensus_feedback candidates (tested) and local_noise findings (info)."""
    recorded = rounds["feedback"].map(lambda t: isinstance(t, (list, np.ndarray)))
    heard = recorded.groupby(rounds["company"]).sum()
    candidates, local = [], []
    for tag, by_company in sorted(_tags_by_company(rounds).items()):
        if len(by_company) >= cfg.consensus_companies:
            candidates.append(_consensus(tag, by_company, heard, cfg))
        elif len(by_company) == 1:
            local.append(_local(tag, *next(iter(by_company.items())), len(heard)))
    return candidates, local
