"""The retriever on small evidence sets: one packet as a unit, its ranking keys in order
(routed mode, kind of metric, company card, BM25), the metric with its baseline, and why."""

from __future__ import annotations

import json
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prepops.data.contract import MODES
from prepops.features import retriever
from prepops.features.retrieval import metrics, text


def packet(pid: str, story: str, metric: tuple, failure: str, modes: list[str], **kw) -> dict:
    name, unit, value, baseline = metric
    return {
        "id": pid,
        "title": pid.replace("-", " "),
        "story": story,
        "metric": {"name": name, "value": value, "unit": unit, "baseline": baseline},
        "failure_mode": failure,
        "outcome": kw.get("outcome", "It shipped."),
        "modes": modes,
        "keywords": kw.get("keywords", []),
    }


PACKETS = [
    packet(
        "cache-latency",
        "Cut p99 latency by caching pricing calls",
        ("p99 latency", "ms", 180, 900),
        "a cache stampede after deploy",
        ["debugging"],
        keywords=["latency", "cache"],
    ),
    packet(
        "team-conflict",
        "Two leads disagreed on the roadmap; I ran a decision review",
        ("pages per week", "pages", 4, 19),
        "a lead nearly quit before we talked",
        ["leadership"],
    ),
    packet(
        "ranking-test",
        "Ran an A/B test for a new ranking model with a holdout",
        ("conversion lift", "%", 3.2, 0),
        "novelty effect faded after two weeks",
        ["research"],
        keywords=["experiment", "ranking"],
    ),
    packet(
        "ingest-design",
        "Designed log ingestion for a robot fleet with buffering",
        ("ingest cost", "$k per month", 12, 40),
        "disk filled on robots offline for days",
        ["architecture"],
    ),
]


def pick(question: str, packets: list[dict] = PACKETS, *args, **kw) -> str:
    return retriever.retrieve(question, packets, *args, **kw)["evidence_id"]


def test_one_packet_fills_every_slot() -> None:
    out = retriever.retrieve("what happened when the disk filled up?", PACKETS, None, [])
    assert out["evidence_id"] == "ingest-design"
    slots = (out["story"], out["metric"], out["failure_mode"])
    assert {s["evidence_id"] for s in slots} == {"ingest-design"}
    assert out["story"]["story"] == PACKETS[3]["story"]
    assert out["failure_mode"]["text"] == PACKETS[3]["failure_mode"]
    assert out["metric"]["baseline"] == PACKETS[3]["metric"]["baseline"]
    json.dumps(out)  # the CLI prints it as JSON


def test_the_metric_keeps_its_baseline() -> None:
    out = retriever.retrieve("the on-call pages", PACKETS, "leadership", [])
    assert out["metric"]["text"] == "pages per week: 19 -> 4 pages"
    assert metrics.reads({"name": "lift", "value": 3.2, "unit": "%"}) == "lift: 3.2%"
    assert metrics.reads({"name": "recall", "value": 0.9, "unit": "", "baseline": 0.8}) == (
        "recall: 0.8 -> 0.9"
    )
    assert metrics.reads({"value": 6.0, "unit": "pages"}) == "6 pages"


def test_the_routed_mode_outranks_word_overlap() -> None:
    question = "the ranking experiment and its holdout"
    assert pick(question) == "ranking-test"
    assert pick(question, PACKETS, "debugging", []) == "cache-latency"
    out = retriever.retrieve(question, PACKETS, "debugging", [])
    assert out["why"]["mode"] == "debugging" and out["why"]["routed_mode"] == "debugging"


def test_the_secondary_mode_counts_only_when_no_packet_serves_the_first() -> None:
    vague = "Tell me about something you are proud of."
    assert pick(vague, PACKETS, "product", [], secondary="leadership") == "team-conflict"
    assert pick(vague, PACKETS, "research", [], secondary="leadership") == "ranking-test"
    why = retriever.retrieve(vague, PACKETS, "product", [], secondary="leadership")["why"]
    assert why["mode"] == "leadership" and why["routed_mode"] == "product"
    assert "no packet serves product" in retriever.explain({"why": why})


def test_the_kind_of_metric_outranks_the_company_card_and_words() -> None:
    slow = packet(
        "slow-model",
        "Made the ranking model evaluation fast: a new ranking model served in budget",
        ("model p95 latency", "ms", 35, 120),
        "a ranking model timed out under load",
        ["research"],
    )
    both = [*PACKETS[:2], slow, *PACKETS[2:]]  # the latency packet comes first in file order
    question = "How would you evaluate whether a new ranking model is better?"
    assert metrics.asked(question) == ["quality"]
    assert pick(question, both, "research", ["slow-model"]) == "ranking-test"
    out = retriever.retrieve(question, both, "research", ["slow-model"])
    assert out["why"]["metric_kind"] == "quality" and out["why"]["company"] is None
    # without a kind in the question, the company card decides, then words
    assert pick("Tell me about a model.", both, "research", ["slow-model"]) == "slow-model"
    assert pick("Tell me about the holdout.", both, "research", []) == "ranking-test"


def test_the_company_card_breaks_a_tie_and_is_named() -> None:
    vague = "Tell me about something you are proud of."
    assert pick(vague, PACKETS, None, []) == "cache-latency"  # nothing else says: file order
    out = retriever.retrieve(vague, PACKETS, None, ["ingest-design"], company="Corvid")
    assert out["evidence_id"] == "ingest-design" and out["why"]["company"] == "Corvid"
    assert "on the stories of Corvid" in retriever.explain(out)


def test_why_lists_the_shared_words() -> None:
    out = retriever.retrieve("Why did the cache stampede after the deploy?", PACKETS, None, [])
    assert out["evidence_id"] == "cache-latency"
    assert out["why"]["terms"] == ["cache", "stampede", "deploy"]
    line = retriever.explain(out)
    assert "shared words: cache, stampede, deploy" in line and "no routed mode" in line


@pytest.mark.parametrize(
    "question, kinds",
    [
        ("How would you evaluate a new ranking model?", ["quality"]),
        ("Our p99 doubled after the deploy", ["latency"]),
        ("How did you cut the cloud bill?", ["cost"]),
        ("Two engineers are burning out on call", ["people"]),
        ("The click-through rate fell; also it got slow", ["quality", "latency"]),
        ("Tell me about a time you disagreed with your manager", []),
    ],
)
def test_questions_ask_for_kinds_of_metric(question: str, kinds: list[str]) -> None:
    assert metrics.asked(question) == kinds


@pytest.mark.parametrize(
    "metric, kind",
    [
        ({"name": "checkout p99 latency", "unit": "ms"}, "latency"),
        ({"name": "time to recover", "unit": "minutes"}, "latency"),
        ({"name": "warehouse throughput", "unit": "minutes"}, "latency"),
        ({"name": "search conversion lift", "unit": "%"}, "quality"),
        ({"name": "fraud model recall", "unit": "%"}, "quality"),
        ({"name": "monthly spend", "unit": "%"}, "cost"),
        ({"name": "saved", "unit": "$k"}, "cost"),
        ({"name": "on-call load", "unit": "pages"}, "people"),
        ({"name": "widgets", "unit": "%"}, None),
        ("not a mapping", None),
    ],
)
def test_a_metric_has_a_kind_from_its_name_then_its_unit(metric, kind) -> None:
    assert metrics.kind(metric) == kind


def test_malformed_packets_do_not_break_retrieval() -> None:
    odd = [
        {"id": "a", "title": "t", "story": "s", "failure_mode": "f", "metric": {}},
        {"id": "b", "title": "t", "story": "s", "failure_mode": "f", "metric": {"value": "x"}},
        {"id": "c", "title": "t", "story": "s", "failure_mode": "f", "metric": {}, "modes": None},
        {"id": "d", "title": "t", "story": "s", "failure_mode": "f", "metric": {}, "modes": [None]},
        {"id": "e", "title": "t", "story": "s", "failure_mode": "f", "metric": [], "keywords": "k"},
    ]
    out = retriever.retrieve("anything at all", odd, None, [])
    assert out["evidence_id"] == "a" and out["why"]["mode"] is None
    assert retriever.retrieve("k", odd, "debugging", [])["evidence_id"] == "e"
    assert "no packet serves debugging" in retriever.explain(
        retriever.retrieve("k", odd, "debugging", [])
    )
    json.dumps(retriever.retrieve("x", odd, "research", ["b"]))


def test_no_evidence_means_no_picks() -> None:
    out = retriever.retrieve("anything", [], "debugging", [])
    assert out == retriever.EMPTY and out["story"] is None and out["metric"] is None
    assert "no usable evidence" in retriever.describe_empty("ws")


def test_stemming_joins_word_forms() -> None:
    assert text.analyze("caching regressions") == text.analyze("cache regression")
    assert text.shared_words("Caching, caching!", "the cache") == ["caching"]


def test_bm25s_import_leaves_scipy_importable() -> None:
    text._bm25s()
    assert sys.modules.get("scipy.sparse", "absent") is not None  # never left blocked
    import scipy.sparse  # noqa: F401  (still importable afterwards)


# Properties: the ranking rules hold on any packets and any question.

NAMES = [
    "model recall",
    "search conversion lift",
    "p99 latency",
    "time to recover",
    "cloud spend",
    "pages per week",
    "widgets shipped",
]
WORDS = [
    "kafka",
    "cache",
    "deploy",
    "ranking",
    "model",
    "holdout",
    "team",
    "roadmap",
    "disk",
    "pricing",
    "fraud",
    "store",
]
ASKS = ["", " Is the new model better?", " It got slow.", " What did it cost?", " Who burned out?"]


@st.composite
def packet_sets(draw) -> list[dict]:
    n = draw(st.integers(1, 7))
    return [
        {
            "id": f"p{i}",
            "title": " ".join(draw(st.lists(st.sampled_from(WORDS), max_size=3))),
            "story": " ".join(draw(st.lists(st.sampled_from(WORDS), max_size=8))),
            "metric": {"name": draw(st.sampled_from(NAMES)), "value": 1, "unit": "x"},
            "failure_mode": " ".join(draw(st.lists(st.sampled_from(WORDS), max_size=4))),
            "modes": draw(st.lists(st.sampled_from(MODES), min_size=1, max_size=3, unique=True)),
        }
        for i in range(n)
    ]


@settings(max_examples=150, deadline=None)
@given(
    packets=packet_sets(),
    words=st.lists(st.sampled_from(WORDS), max_size=6),
    ask=st.sampled_from(ASKS),
    mode=st.sampled_from(MODES),
    stories=st.lists(st.sampled_from([f"p{i}" for i in range(7)]), max_size=3),
)
def test_rules_hold_for_any_packets(packets, words, ask, mode, stories) -> None:
    question = " ".join(words) + ask
    out = retriever.retrieve(question, packets, mode, stories)
    pick = next(p for p in packets if p["id"] == out["evidence_id"])
    served = [p for p in packets if mode in p["modes"]]
    if served:
        assert mode in pick["modes"]
    asked = metrics.asked(question)
    if any(metrics.kind(p["metric"]) in asked for p in served or packets):
        assert metrics.kind(pick["metric"]) in asked
        if asked == ["quality"]:
            assert metrics.kind(pick["metric"]) != "latency"
    # invariance: the card's name and a stopword change nothing
    again = retriever.retrieve("so " + question, packets, mode, stories, company="Renamed")
    assert again["evidence_id"] == out["evidence_id"]
