"""Special tokens in the ways people say them: bare-verb decisions, the rest done later, costs
as a move in another metric, plans announced up front, restated conditions and deadlines.

Every example here is written for this file; each kind is tested on both sides (the token
fires / a look-alike does not), so a pattern that grows too loose or too tight fails here.
"""

from __future__ import annotations

import pytest

from prepops.training.markers import score


def markers(text: str) -> set[str]:
    return set(score(text, 30)["markers"])


@pytest.mark.parametrize(
    "text",
    [
        # a bare-verb decision with the rest done later
        "Both vendors pass the security review. Go with option B for the pilot; we can add SSO "
        "in the next release.",
        "Two designs fit the budget. I'd take the simpler one now and harden the retry logic in "
        "v3.",
        # a choice made over something, with the cost accepted
        "We looked at strong and eventual reads. We went with eventual reads over quorum so the "
        "feed stays fast, knowing a follower might lag a few seconds.",
        # the cost as an expected move in another metric
        "Shorter forms lift signups, but I'd expect a 3 % rise in spam accounts; so I'd pick the "
        "short form with a captcha.",
        "I recommend batching the emails, at the expense of a slower first notification.",
        # the next step as a condition to watch
        "Pick C for the beta cohort, and switch back if refunds climb.",
        "Let's settle on weekly releases; we'll revisit the cadence after the first month.",
    ],
)
def test_closing_decisions_in_spoken_forms_are_stops(text: str) -> None:
    s = score(text, 30)
    assert "stop" in s["markers"]
    assert s["has_stop"] is True


@pytest.mark.parametrize(
    "text",
    [
        "I'd recommend Postgres because the team knows it well.",  # a reason only
        "We picked a venue for the offsite. Everyone liked it.",  # narration, no option
        "I took two weeks off in May. We shipped in June.",  # "took" without a choice
        "Costs went up last year. We hired two people.",  # a cost, no decision
        "The fix will land in the next release.",  # a later step, no decision
    ],
)
def test_narration_and_half_closings_are_not_stops(text: str) -> None:
    assert "stop" not in markers(text)


def test_a_two_sentence_answer_closes_in_its_first_sentence() -> None:
    """has_stop reads the closing sentences, not the last quarter of the characters."""
    text = (
        "I'd ship the redesign to returning users first, since they churn least, and the main "
        "risk is a dip in repeat orders. We check that number daily."
    )
    s = score(text, 30)
    assert "stop" in s["markers"] and s["has_stop"] is True
    early = "My decision is Redis, and the main risk is memory. " + "We then talked more. " * 8
    assert score(early, 60)["has_stop"] is False


@pytest.mark.parametrize(
    "text",
    [
        "My first step would be to rule out a tracking change. Then I'd split by platform.",
        "I'd first check whether the drop is real or a logging bug.",
        "I would begin by sizing the problem. Then we can talk options.",
        "Let me size the market first, then pick a segment, and finally price it.",
        "I'd immediately declare a sev-1 and open a bridge with the owning team.",
        "We'll kick off our incident runbook and page the database on-call.",
        "Approach: segment the drop by platform and region, then test one cause at a time.",
        "I'll look at three angles: reach, cost and risk.",
    ],
)
def test_plans_announced_up_front_are_routing(text: str) -> None:
    assert "routing" in markers(text)


@pytest.mark.parametrize(
    "text",
    [
        # the same words late in an answer narrate or close it
        "We shipped the fix. Latency recovered. Traffic stayed flat. My first step would be to "
        "add an alert.",
        "We declared a sev-1 last spring and the bridge ran all night.",  # narrated, not invoked
        "I ran three tests on the staging box.",  # past narration
        "I'd first confirm the scope with the interviewer.",  # clarifying, not a plan
        "Plan B was never needed.",  # not a labelled section
    ],
)
def test_narrated_or_late_plans_are_not_routing(text: str) -> None:
    assert "routing" not in markers(text)


@pytest.mark.parametrize(
    "text",
    [
        "I was tasked with cutting cloud spend by 15 % this year.",
        "Our mandate was to halve the onboarding time.",
        "Slipping would break our Q3 commitments to two enterprise customers.",
        "We were six weeks before launch when the audit landed.",
        "We need every user who logged in fewer than 3 times last month.",
        "I cannot modify the input array, and each value appears once.",
        "Given our headcount of four, the rewrite is out of scope.",
        "The p99 stayed under 80 ms even at peak.",
        "Solve it without extra memory, ideally in O(n) time.",
        "The release has to go out by Friday.",
        "The key criteria were cost, latency and lock-in.",
    ],
)
def test_conditions_targets_and_deadlines_are_constraints(text: str) -> None:
    assert "constraint" in markers(text)


@pytest.mark.parametrize(
    "text",
    [
        "If we can't, the vendor takes over the pager.",  # a conditional
        "I can't remember the exact date of the outage.",  # a figure of speech
        "Once I know which host is constrained, I look at its processes.",  # a finding
        "It took less than a minute to roll out.",  # narration of a duration
        "We celebrated three weeks after the launch party.",  # a date, not a deadline
    ],
)
def test_look_alike_limits_are_not_constraints(text: str) -> None:
    assert "constraint" not in markers(text)


@pytest.mark.parametrize(
    ("text", "marker"),
    [
        ("I took incident command and split the team into two tracks.", "role"),
        ("As a senior platform reliability engineer, I own the paging rotation.", "role"),
        ("I'd prefer to treat the timestamps as UTC so the windows line up.", "assumption"),
        ("For simplicity, every order ships from one warehouse.", "assumption"),
        ("Clarify: which regions, and is mobile in scope?", "restatement"),
        ("We flipped the 'Kill Switch' on the new ranker.", "robustness"),  # a quoted term
        ("We merged 12 pull requests on the last day.", "numeric"),
        ("The team pushed two hotfixes a day during the freeze.", "numeric"),
    ],
)
def test_roles_assumptions_labels_and_counts_fire(text: str, marker: str) -> None:
    assert marker in markers(text)


@pytest.mark.parametrize(
    ("text", "marker"),
    [
        ("I was the only person awake when it paged.", "role"),
        ("As a result, the queue drained overnight.", "role"),
        ("I'll treat this as an incident.", "assumption"),  # routing, not an assumption
        ("First, I'll pull the error logs for the last hour.", "separator"),  # a lone step
        ("Then I segment: by platform and by region.", "separator"),  # a clause, not a label
        ("The rule is: measure before you cut.", "separator"),  # a clause, not a label
        ("We weighed 3 options over lunch.", "numeric"),  # a count of parts, not a metric
    ],
)
def test_look_alike_roles_labels_and_counts_do_not_fire(text: str, marker: str) -> None:
    assert marker not in markers(text)


def test_tokens_must_still_be_earned() -> None:
    """The new forms, said as a bare list of keywords, go to `stuffed`, not `markers`."""
    s = score("Constraints. Assuming. Failure modes. For simplicity.", 30)
    assert {"constraint", "assumption", "robustness"} <= set(s["stuffed"])
    assert not {"constraint", "assumption", "robustness"} & set(s["markers"])


@pytest.mark.parametrize(
    ("text", "marker"),
    [
        ("The error budget for checkout is almost spent.", "constraint"),
        ("I was tasked with cutting refunds by 12 %.", "constraint"),
    ],
)
def test_what_a_pattern_matched_as_a_wildcard_earns_the_token(text: str, marker: str) -> None:
    """Only the words a phrase spells out are keywords; the rest of its match is content."""
    s = score(text, 30)
    assert marker in s["markers"] and marker not in s["stuffed"]


def test_a_pattern_said_with_only_its_own_words_is_stuffed() -> None:
    s = score("Let me clarify the requirements.", 30)
    assert "restatement" in s["stuffed"] and "restatement" not in s["markers"]
