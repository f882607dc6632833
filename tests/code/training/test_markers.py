"""Transcript scoring: definitions on small cases, and quality on the labelled set."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from prepops.data.contract import MARKERS
from prepops.training.markers import default_phrases, extend, like_fillers, order_score, score

LABELLED = yaml.safe_load((Path(__file__).parents[2] / "data" / "transcripts.yaml").read_text())


def test_labelled_set_is_large_and_varied() -> None:
    assert len(LABELLED) >= 40
    assert {m for case in LABELLED for m in case["markers"]} == set(MARKERS)


def quality() -> tuple[float, float, float]:
    tp = fp = fn = 0
    errors = []
    for case in LABELLED:
        got, want = set(score(case["text"], 30)["markers"]), set(case["markers"])
        tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
        errors.append(abs(score(case["text"], 30)["fillers"] - case["fillers"]))
    return tp / (tp + fp), tp / (tp + fn), sum(errors) / len(errors)


def test_marker_precision_recall_and_filler_error_on_the_labelled_set() -> None:
    precision, recall, filler_mae = quality()
    assert precision >= 0.9
    assert recall >= 0.85
    assert filler_mae <= 0.5


@pytest.mark.parametrize(
    ("text", "fillers"),
    [
        ("It was, like, slow.", 1),
        ("Like, nobody knew.", 1),
        ("We had like 3x the load.", 1),
        ("I would like to add a cache.", 0),
        ("It looks like a cold cache.", 0),
        ("Something like a queue.", 0),
    ],
)
def test_like_only_counts_as_a_filler(text: str, fillers: int) -> None:
    assert len(like_fillers(text)) == fillers


def test_definitions_on_one_answer() -> None:
    text = (
        "So the question is why checkout slowed. The constraint is paying users. "
        "I'll assume tracing exists. This is a debugging question. Timeline: it starts at the "
        "deploy; the hypotheses are a cold cache or a slow query; tests come next. "
        "If that fails we roll back. p99 fell from 900 ms to 180 ms in checkout-latency. "
        "That's my answer."
    )
    s = score(
        text,
        30,
        segments=["timeline", "hypotheses", "tests", "fix"],
        evidence_ids=["checkout-latency"],
    )
    assert s["words"] == len(text.split())
    assert s["wpm"] == pytest.approx(s["words"] * 2, abs=0.1)
    assert set(s["markers"]) >= {
        "restatement",
        "constraint",
        "assumption",
        "routing",
        "robustness",
        "numeric",
        "stop",
        "separator",
    }
    assert s["coverage"] == 1.0
    assert s["numeric_anchors"] == ["900 ms", "180 ms"]
    assert s["segment_coverage"] == 0.75
    assert s["latency_s"] == 0.0
    assert s["has_stop"] is True
    assert s["order_score"] == 1.0
    # 8 markers + 2 anchors + 1 evidence id + 3 segments in half a minute
    assert s["snr"] == pytest.approx(14 / 0.5)


def test_latency_is_time_before_the_first_restatement_or_constraint() -> None:
    text = "Okay okay okay okay okay okay okay okay okay. So the question is what to ship."
    s = score(text, 60)
    assert s["latency_s"] == pytest.approx(60 * 9 / len(text.split()), abs=0.01)
    assert score("No markers here at all.", 20)["latency_s"] == 20.0


def test_a_stop_early_in_a_long_answer_is_not_has_stop() -> None:
    early = "That's my answer. " + "More words follow here without end. " * 10
    assert score(early, 60)["has_stop"] is False


def test_order_score() -> None:
    assert order_score({"restatement": 1, "constraint": 5, "stop": 9}) == 1.0
    assert order_score({"restatement": 9, "constraint": 5, "stop": 1}) == 0.0
    assert order_score({"restatement": 1, "solution": 3, "stop": 9}) is None  # two markers
    assert order_score({"stop": 1}) is None


def test_a_thin_answer_never_scores_perfect_order_and_says_why() -> None:
    thin = score("So the question is why pages fail. That's my answer.", 20)
    assert thin["order_score"] is None
    assert "2 of the ordered markers" in thin["order_note"]
    full = score("So the question is why pages fail. I'll assume logs exist. That's my answer.", 20)
    assert full["order_score"] == 1.0 and full["order_note"] is None


def test_phrases_extend_from_params() -> None:
    phrases = extend(
        default_phrases(), {"markers": {"stop": ["over to you"]}, "fillers": ["right so"]}
    )
    s = score("Right so we cached it. Over to you.", 10, phrases=phrases)
    assert "stop" in s["markers"]
    assert s["fillers"] == 1
    assert "stop" not in score("Over to you.", 10)["markers"]


@pytest.mark.parametrize(
    "text",
    [
        "We looked at both stores. My decision is Postgres because the joins matter, the main "
        "risk is write contention, and my first verification step is a load test at 2x peak.",
        "Two options were on the table. I'd go with the queue, since it absorbs bursts. The "
        "biggest risk is duplicate delivery, so first I'd check the idempotency keys.",
        "Here is where I land. My recommendation is to ship the slice; the next step is a "
        "one-week holdout.",
    ],
)
def test_a_closing_decision_risk_and_next_step_is_a_stop(text: str) -> None:
    s = score(text, 30)
    assert "stop" in s["markers"]
    assert s["has_stop"] is True


@pytest.mark.parametrize(
    "text",
    [
        "We fixed the build on Friday. Then I decided to go home.",
        "My decision was hard at the time. " + "We kept shipping every week. " * 6,
        "The main risk is write contention. " + "After that we talked about lunch. " * 8,
    ],
)
def test_narration_and_early_decisions_are_not_a_stop(text: str) -> None:
    assert "stop" not in score(text, 30)["markers"]


@pytest.mark.parametrize(
    "text",
    [
        "I'll treat this like a production incident.",
        "I'd treat this as an architecture question.",
        "Let me start with the requirements and constraints.",
        "I will frame the stakeholders and the decision options first.",
        "I'm going to handle it as a product question.",
        "Let me switch into incident mode.",
    ],
)
def test_routing_commitments_in_their_common_forms(text: str) -> None:
    assert "routing" in score(text, 30)["markers"]


def test_plurals_ranges_and_roles() -> None:
    assert "robustness" in score("Failure modes: the cache goes cold.", 10)["markers"]
    assert score("Pages went from 19 to 4 a week.", 10)["numeric_anchors"] == ["from 19 to 4"]
    assert score("p99 went from 900 ms to 180 ms.", 10)["numeric_anchors"] == ["900 ms", "180 ms"]
    assert "role" in score("As the on-call engineer I paged the owner.", 10)["markers"]
    assert "routing" not in score("We treated the dog like family.", 10)["markers"]


@pytest.mark.parametrize(
    ("text", "stuffed"),
    [
        ("Constraints. I'll assume. Rollback. Failure modes. That's my answer.",
         {"constraint", "assumption", "robustness"}),
        ("We have rollback, canary, circuit breakers and observability.", {"robustness"}),
        ("So the question is, um, yeah. I'll assume.", {"restatement", "assumption"}),
    ],
)  # fmt: skip
def test_markers_said_without_substance_are_stuffed_not_present(text: str, stuffed: set) -> None:
    s = score(text, 30)
    assert set(s["stuffed"]) == stuffed
    assert not stuffed & set(s["markers"])


@pytest.mark.parametrize(
    ("text", "earned"),
    [
        ("The constraint is paying users.", "constraint"),
        ("I'll assume tracing exists on every hop.", "assumption"),
        ("We cache the hot keys in Redis. If that fails, we roll back.", "robustness"),
        ("Failure modes: the cache goes cold after a deploy.", "robustness"),
        ("So the question is why checkout slowed.", "restatement"),
    ],
)
def test_markers_said_with_substance_are_earned(text: str, earned: str) -> None:
    s = score(text, 30)
    assert earned in s["markers"] and s["stuffed"] == []


@pytest.mark.parametrize(
    ("text", "marker"),
    [
        ("I will treat this as a production incident.", "routing"),
        ("I am assuming the data is clean.", "assumption"),
        ("We rolled back the release within minutes.", "robustness"),
        ("Edge cases: an empty cart and a stale price.", "robustness"),
        ("What goes wrong first is the retry storm.", "robustness"),
        ("The constraints are budget and a two-week window.", "constraint"),
        ("Free users are capped at 60 requests per minute.", "constraint"),
        ("We need to get the page to under 200ms.", "constraint"),
        ("My immediate priority was restoring checkout.", "routing"),
    ],
)
def test_contractions_plurals_and_tenses_of_the_listed_phrases(text: str, marker: str) -> None:
    assert marker in score(text, 30)["markers"]


def test_variants_do_not_leak_into_fillers_or_narration() -> None:
    assert score("We keep two kinds of caches.", 10)["fillers"] == 0
    assert score("It was kind of slow.", 10)["fillers"] == 1
    assert "assumption" not in score("We were supposed to ship on Friday.", 10)["markers"]
    assert "separator" not in score("Even then, the queue kept growing.", 10)["markers"]


def test_numbers_with_hyphenated_or_singular_units() -> None:
    anchors = score("A 30-second timeout fired after 1 second of load.", 10)["numeric_anchors"]
    assert anchors == ["30-second", "1 second"]


def test_short_segments_count_on_their_meaning_words() -> None:
    segments = ["what I did", "fix", "the result"]
    said = score("Here is what I did: we fixed the index. The results held.", 30, segments)
    assert said["segments_covered"] == segments
    scattered = score("I did not know what to try, so we waited.", 30, segments)
    assert scattered["segments_covered"] == []


@pytest.mark.parametrize(
    ("text", "marker"),
    [
        ("Let me start by clarifying the requirements. Uploads are capped at 2 GB.", "restatement"),
        ("Before I dig in, I want to confirm the scope: signups on mobile only.", "restatement"),
        (
            "Is the drop in every region or only in Europe? I'd check the release log.",
            "restatement",
        ),
        ("So we're designing a ticket queue for a support desk of forty people.", "restatement"),
        ("I started with a quick triage of the open alerts.", "routing"),
        ("Let me treat this as an incident and page the owning team.", "routing"),
        ("I'll start by framing the stakeholders and their asks.", "routing"),
        ("I built the certificate monitoring that pages two weeks before expiry.", "robustness"),
        ("We drained traffic from the bad zone and shifted it to the healthy one.", "robustness"),
        ("Revoke the leaked keys and freeze deploys until the review is done.", "robustness"),
        ("As the platform SRE, my responsibility was keeping checkout up.", "role"),
        ("Why it failed: the cache key ignored the locale.", "separator"),
        ("First, the read path. Second, the write path.", "separator"),
        ("Now I'll switch from the design to how we would run it.", "separator"),
        ("Timelines were tight. The launch date was fixed by the sales event.", "constraint"),
        ("The goal was to raise activation by at least 5 % this quarter.", "constraint"),
        ("Let's say we get 2,000 orders a minute at peak.", "assumption"),
        ("Only one percent of riders ever hit the bug.", "numeric"),
    ],
)
def test_openings_routing_robustness_roles_and_labels_in_their_spoken_forms(
    text: str, marker: str
) -> None:
    assert marker in score(text, 30)["markers"]


@pytest.mark.parametrize(
    ("text", "marker"),
    [
        ("We shipped it. Traffic doubled. Latency rose. Was it the cache or the database?",
         "restatement"),
        ("We started with a long lunch.", "routing"),
        ("My task was to cut the open backlog in half.", "role"),
        ("First, I checked the logs. Next, I checked the load balancer.", "separator"),
        ("1. Platform: mobile only. 2. Users: night-shift nurses.", "separator"),
        ("Functional requirements: - upload - share - delete", "separator"),
        ("Argo rolls back when the error rate crosses the SLO threshold.", "constraint"),
        ("We check the error budget burn every morning.", "constraint"),
        ("Some users never return in, let's say, a year.", "assumption"),
        ("Give me one minute to think.", "numeric"),
        ("We interviewed 25-45 year olds.", "numeric"),
    ],
)  # fmt: skip
def test_look_alikes_are_not_tokens(text: str, marker: str) -> None:
    assert marker not in score(text, 30)["markers"]


@pytest.mark.parametrize(
    ("text", "stuffed"),
    [
        ("Let me clarify the requirements.", "restatement"),
        ("We have monitoring stacks, failover and weighted routing.", "robustness"),
    ],
)
def test_new_forms_said_as_bare_keywords_are_stuffed(text: str, stuffed: str) -> None:
    s = score(text, 30)
    assert stuffed in s["stuffed"] and stuffed not in s["markers"]


@pytest.mark.parametrize(
    "text",
    [
        "We compared both queues. My recommendation is the managed one; the downside is the "
        "vendor bill, which we revisit next quarter.",
        "Both rankers held up offline. So I would ship the new ranker to ten percent of users, "
        "watching the refund rate daily.",
        "The config bug was contained in staging. Leadership decided to go ahead with the "
        "launch, and a permanent fix is planned for the next sprint.",
        "The risk here is token exposure in the build logs. The control I would add is "
        "short-lived tokens scoped to one job.",
    ],
)
def test_decisions_with_their_risk_or_next_step_are_stops(text: str) -> None:
    assert "stop" in score(text, 30)["markers"]


def test_a_decision_with_only_its_reason_is_not_a_stop() -> None:
    text = "We looked at two stores. I'd recommend Postgres because the team knows it well."
    assert "stop" not in score(text, 30)["markers"]
