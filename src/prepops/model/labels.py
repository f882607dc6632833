"""What the router learns from in a workspace's tables: labelled questions, card cues and
keywords, company priors.

Labels come from the workspace's own logged questions: `mode_wanted` where the candidate
judged it afterwards, else `mode_used` when the answer went well (not rescued and no
corrective follow-up).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _listed(value) -> list[str]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    return [str(v) for v in value if isinstance(v, str)]


def labelled_questions(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Questions with a mode label: text, label, label_source, mode_used, company, round_id."""
    q = tables["questions"]
    columns = ["text", "label", "label_source", "mode_used", "company", "round_id"]
    if q.empty:
        return pd.DataFrame(columns=columns)
    f = tables["follow_ups"]
    fixes = f[f["kind"] == "corrective"]
    corrected = {(r, int(i)) for r, i in zip(fixes["round_id"], fixes["q_index"], strict=True)}
    rows = []
    companies = tables["rounds"].set_index("id")["company"].to_dict()
    for r in q.itertuples(index=False):
        wanted = r.mode_wanted if isinstance(r.mode_wanted, str) else None
        rescued = pd.notna(r.rescued) and bool(r.rescued)
        went_well = not rescued and (r.round_id, int(r.q_index)) not in corrected
        label, source = (wanted, "mode_wanted") if wanted else (None, None)
        if label is None and went_well:
            label, source = r.mode_used, "mode_used (went well)"
        if label is None:
            continue
        rows.append(
            {
                "text": r.text,
                "label": label,
                "label_source": source,
                "mode_used": r.mode_used,
                "company": companies.get(r.round_id),
                "round_id": r.round_id,
            }
        )
    return pd.DataFrame(rows, columns=columns)


def card_cues(tables: dict[str, pd.DataFrame]) -> dict[str, list[str]]:
    """Each expert card's `cues`, by mode."""
    experts = tables["experts"]
    return {row.mode: _listed(row.cues) for row in experts.itertuples(index=False)}


def card_keywords(tables: dict[str, pd.DataFrame]) -> dict[str, list[str]]:
    """Each expert card's `keywords`, by mode."""
    experts = tables["experts"]
    return {row.mode: _listed(row.keywords) for row in experts.itertuples(index=False)}


def company_modes(tables: dict[str, pd.DataFrame]) -> dict[str, tuple[str | None, str | None]]:
    """Company -> (primary_mode, secondary_mode or None), from the company cards."""
    cards = tables["companies"]
    return {
        row.company: (
            row.primary_mode,
            row.secondary_mode if isinstance(row.secondary_mode, str) else None,
        )
        for row in cards.itertuples(index=False)
    }


def inputs(tables: dict[str, pd.DataFrame]) -> dict:
    """What fitting reads from the tables: labelled questions, card cues, keywords, priors."""
    return {
        "questions": labelled_questions(tables),
        "cards": card_cues(tables),
        "keywords": card_keywords(tables),
        "companies": company_modes(tables),
    }
