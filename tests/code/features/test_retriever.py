"""The retriever on a small evidence set: BM25 ranking, the mode and company boosts."""

from __future__ import annotations

import sys

from prepops.features import retriever


def packet(pid: str, story: str, metric: str, failure: str, modes: list[str], **kw) -> dict:
    return {
        "id": pid,
        "title": pid.replace("-", " "),
        "story": story,
        "metric": {"name": metric, "value": 1, "unit": "x"},
        "failure_mode": failure,
        "modes": modes,
        "keywords": kw.get("keywords", []),
    }


PACKETS = [
    packet(
        "cache-latency",
        "Cut p99 latency by caching pricing calls",
        "p99 latency",
        "a cache stampede after deploy",
        ["debugging"],
        keywords=["latency", "cache"],
    ),
    packet(
        "team-conflict",
        "Two leads disagreed on the roadmap; I ran a decision review",
        "attrition",
        "a lead nearly quit before we talked",
        ["leadership"],
    ),
    packet(
        "ranking-test",
        "Ran an A/B test for a new ranking model with a holdout",
        "conversion lift",
        "novelty effect faded after two weeks",
        ["research"],
        keywords=["experiment", "ranking"],
    ),
    packet(
        "ingest-design",
        "Designed log ingestion for a robot fleet with buffering",
        "events per second",
        "disk filled on robots offline for days",
        ["architecture"],
    ),
]


def test_bm25_picks_the_packet_the_question_is_about() -> None:
    out = retriever.retrieve("Why is checkout latency high after the deploy?", PACKETS, None, [])
    assert out["story"]["evidence_id"] == "cache-latency"
    assert out["metric"]["evidence_id"] == "cache-latency"
    assert out["failure_mode"]["evidence_id"] == "cache-latency"
    assert set(out["story"]) >= {"evidence_id", "title", "story"}
    assert set(out["metric"]) >= {"evidence_id", "name", "value", "unit"}
    assert set(out["failure_mode"]) >= {"evidence_id", "text"}


def test_each_slot_is_ranked_on_its_own_text() -> None:
    out = retriever.retrieve("how did you measure the conversion lift?", PACKETS, None, [])
    assert out["metric"]["evidence_id"] == "ranking-test"
    out = retriever.retrieve("what happened when the disk filled up?", PACKETS, None, [])
    assert out["failure_mode"]["evidence_id"] == "ingest-design"


def test_mode_and_company_boosts_break_a_tie() -> None:
    vague = "Tell me about something you are proud of."
    assert retriever.retrieve(vague, PACKETS, "leadership", [])["story"]["evidence_id"] == (
        "team-conflict"
    )
    assert retriever.retrieve(vague, PACKETS, "research", [])["story"]["evidence_id"] == (
        "ranking-test"
    )
    company = retriever.retrieve(vague, PACKETS, None, ["ingest-design"])
    assert company["story"]["evidence_id"] == "ingest-design"


def test_boost_does_not_override_a_clear_match() -> None:
    out = retriever.retrieve("the ranking experiment and its holdout", PACKETS, "debugging", [])
    assert out["story"]["evidence_id"] == "ranking-test"


def test_no_evidence_means_no_picks() -> None:
    assert retriever.retrieve("anything", [], "debugging", []) == {
        "story": None,
        "metric": None,
        "failure_mode": None,
    }
    assert "no usable evidence" in retriever.describe_empty("ws")


def test_stemming_joins_word_forms() -> None:
    assert retriever.analyze("caching regressions") == retriever.analyze("cache regression")


def test_bm25s_import_leaves_scipy_importable() -> None:
    retriever._bm25s()
    assert sys.modules.get("scipy.sparse", "absent") is not None  # never left blocked
    import scipy.sparse  # noqa: F401  (still importable afterwards)
