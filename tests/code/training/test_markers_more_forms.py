"""Special tokens in wordings written apart from the phrase lists: the kinds of
test_markers_spoken_forms.py said other ways (a check that the patterns carry across
wording), each with look-alikes that must not fire."""

from __future__ import annotations

import pytest

from prepops.training.markers import score


def markers(text: str) -> set[str]:
    return set(score(text, 30)["markers"])


# more of the kinds above, each in a wording written apart from the phrase lists
MORE_FORMS = [
    ("Can the input be empty? I'll assume it can, and return null.", "restatement"),
    ("I'd begin with retention, since it compounds; the risk is a slow first month.", "stop"),
    ("We chose Kafka over SQS for replay, knowing we'd run our own brokers.", "stop"),
    ("My instinct is to treat it like a regression: diff the last release first.", "routing"),
    ("I'd break the problem into supply, demand and pricing.", "routing"),
    ("Let me make sure I have the scope: one region, web only?", "restatement"),
    ("If the primary region is lost, we promote the replica in the second one.", "robustness"),
    ("Net: I'd keep the monolith and split out billing next quarter.", "stop"),
    (
        "Two options: rebuild the sync engine or patch it. I'm going with the patch, and the main thing I'd watch is conflict rate.",
        "stop",
    ),
    (
        "So: ship the lighter model to mobile, since battery matters more than a point of accuracy; if crash reports rise, we roll it back.",
        "stop",
    ),
    ("Net, I'd buy the vendor tool for now and revisit building it next year.", "stop"),
    (
        "My vote is the regional sharding plan; the downside is cross-region joins, which we'd benchmark first.",
        "stop",
    ),
    ("We'd launch to 5 % of users first and expand once the error rate holds for a week.", "stop"),
    (
        "I'd rather keep the monolith this year; splitting it would cost us two quarters, and we'd revisit after the hiring push.",
        "stop",
    ),
    (
        "The call I'd make is to delay by a week; we lose some press, but we avoid a data-loss bug.",
        "stop",
    ),
    ("I'll approach this like an outage: stabilise first, then find the cause.", "routing"),
    (
        "This smells like a capacity problem, so I'll walk through it as a debugging exercise.",
        "routing",
    ),
    ("Let me kick things off by looking at who the users are.", "routing"),
    ("My plan: clarify the goal, pick a metric, then brainstorm solutions.", "routing"),
    ("I'd open an incident and get a comms lead assigned before touching anything.", "routing"),
    ("I'd start with the user and work back to the system.", "routing"),
    ("The budget is fixed at $40k for the year.", "constraint"),
    ("We only have two engineers for this, so scope is tight.", "constraint"),
    ("Checkout must respond in under 300 ms at p95.", "constraint"),
    ("The SLA promises 99.9 % uptime to enterprise accounts.", "constraint"),
    ("Legal needs this in place before the EU launch in March.", "constraint"),
    ("We were asked to bring churn down to 3 % by year end.", "constraint"),
    ("The array has up to a million entries and values fit in 32 bits.", "constraint"),
    ("I'm going to assume reads dominate writes roughly ten to one.", "assumption"),
    ("Assume for now that payments are idempotent on our side.", "assumption"),
    ("My working assumption is that the drop is confined to Android.", "assumption"),
    ("Speaking as the engineering manager, my first concern is the on-call load.", "role"),
    ("I was the incident commander that night.", "role"),
    (
        "If the cache node dies, reads fall through to Postgres and we shed the lowest tier.",
        "robustness",
    ),
    (
        "We'd put the new flow behind a feature flag so we can switch it off in seconds.",
        "robustness",
    ),
    (
        "The failure I worry about is a thundering herd after a cache flush, so we add jitter.",
        "robustness",
    ),
    ("Moving on to the data model: we need three tables.", "separator"),
    ("That covers the write path. Now for reads: we serve from replicas.", "separator"),
    ("So, to play it back: you want fewer support tickets without hurting signups?", "restatement"),
    (
        "Just to check I've got it, we're designing the notification service, not the app?",
        "restatement",
    ),
    ("We cut the p95 from 1.2 s to 400 ms.", "numeric"),
    (
        "Weighing it all, I'd back the event bus; it adds operational load, so step one is a load test.",
        "stop",
    ),
    (
        "I'd land on the freemium tier: it grows the top of funnel, though support cost climbs, and I'd check paid conversion after a month.",
        "stop",
    ),
    (
        "We should go with the second vendor; the weak spot is their SDK, which we'd audit before signing.",
        "stop",
    ),
    (
        "Ultimately I'd hold the release a week. It costs us the conference demo, but I'd rather not ship a migration bug.",
        "stop",
    ),
    (
        "So option two, with the caveat that write latency goes up; I'd verify it with a shadow run first.",
        "stop",
    ),
    (
        "I'd choose the denormalised table, accepting slower writes, and measure the read gain next sprint.",
        "stop",
    ),
    ("I'd handle this the way I handle any outage: mitigate, then investigate.", "routing"),
    ("To answer this I'll go through users, pain points, and solutions in that order.", "routing"),
    ("I'll frame this as a prioritisation problem.", "routing"),
    ("Let me structure this around three questions.", "routing"),
    ("My approach would be to size the impact before picking a fix.", "routing"),
    ("The way I'd tackle it: reproduce, isolate, fix, and prevent.", "routing"),
    ("Headcount is frozen, so the team stays at six.", "constraint"),
    ("The whole pipeline has to finish inside a four-hour nightly window.", "constraint"),
    ("Memory per pod is capped at 512 MB.", "constraint"),
    ("The target is a 10 % lift in week-one retention.", "constraint"),
    ("Without breaking the public API, we need to add pagination.", "constraint"),
    ("I'm taking it as given that the data is already in the warehouse.", "assumption"),
    ("Let's assume traffic is evenly spread across regions.", "assumption"),
    ("In this story I'm the tech lead for the payments squad.", "role"),
    ("I was leading the migration as the staff engineer on the team.", "role"),
    ("We'd keep the old path warm so we can fail back within minutes.", "robustness"),
    (
        "If the third-party API times out, we queue the request and retry with backoff.",
        "robustness",
    ),
    ("Dashboards and alerts on queue depth would tell us early.", "robustness"),
    ("The main failure mode is a partial write, so each step is idempotent.", "robustness"),
    ("So what we're really solving is slow search for power users, right?", "restatement"),
    (
        "Let me repeat the problem to make sure: we need to rank feed items for new users.",
        "restatement",
    ),
    ("Switching gears to monitoring: we'd track three signals.", "separator"),
    ("On the people side, the harder part was alignment.", "separator"),
    (
        "Given all that, the managed Kafka option wins; the risk is vendor lock-in, and I'd start by pricing an exit.",
        "stop",
    ),
    (
        "I'd go ahead with the rewrite of the billing job, but only after a week of dual runs, watching for mismatched invoices.",
        "stop",
    ),
    ("Bottom line: keep the cron, add a dead-letter queue, and review it in a month.", "stop"),
    (
        "So I'd sunset the legacy app in Q2; some power users will churn, and we'd mitigate with an export tool.",
        "stop",
    ),
    (
        "I'm recommending we pause the experiment, because the sample is skewed; first I'd rerun the assignment check.",
        "stop",
    ),
    (
        "My pick would be the graph database, with the trade-off of a steeper learning curve for the team.",
        "stop",
    ),
    (
        "We decided to migrate in two waves; the exposure was the payments cutover, so we rehearsed it twice.",
        "stop",
    ),
    ("I'd treat this as a growth question before anything else.", "routing"),
    ("This is really a prioritisation question, so I'll frame options and trade-offs.", "routing"),
    ("I'll begin with who the customer is and what job they hire the product for.", "routing"),
    ("Let me first lay out the requirements, then sketch the high-level design.", "routing"),
    ("I'd go incident-first here: stop the bleeding, then root-cause.", "routing"),
    ("We're bound by HIPAA, so nothing leaves the VPC.", "constraint"),
    ("The whole thing has to run on a single 8 GB box.", "constraint"),
    ("Our error budget for the quarter is almost spent.", "constraint"),
    ("We had a hard stop at the end of the fiscal year.", "constraint"),
    ("It needs to handle 50k writes per second at peak.", "constraint"),
    ("I'll take as an assumption that users are logged in.", "assumption"),
    ("I'm going to presume the catalogue fits in memory.", "assumption"),
    ("Wearing my product hat for a moment, I'd push back on scope.", "role"),
    ("My responsibility on that team was the data platform.", "role"),
    ("We'd canary it to one region and watch the error rate.", "robustness"),
    ("If latency regresses, the deploy auto-reverts.", "robustness"),
    ("To contain the damage we rotated every API key that night.", "robustness"),
    ("Before I jump in, can I confirm whether this is for web or mobile?", "restatement"),
    (
        "Okay, so the goal is to cut p95 checkout latency, and it's a read-heavy path?",
        "restatement",
    ),
    ("That's the why. Now the how: three changes to the queue.", "separator"),
    ("Part two is the rollout.", "separator"),
    ("Churn dropped by half in two quarters.", "numeric"),
]
MORE_LOOK_ALIKES = [
    ("I'll answer this as the team's manager, since that was my job.", "routing"),
    ("Later that week, is it fair to say we were tired? Yes.", "restatement"),
    ("There is always politics, so you need allies on the team.", "restatement"),
    ("We went with the vendor. It worked out fine.", "stop"),
    ("I prefer tea over coffee in the morning, so we started late.", "stop"),
    ("My first job out of school was at a bank.", "routing"),
    ("We had fewer than expected complaints.", "constraint"),
    ("If we can't reproduce it, we add logging.", "constraint"),
    ("It took us less than a day to ship.", "constraint"),
    ("As a result we rewrote the parser.", "role"),
    ("I was the first to notice the spike.", "role"),
    ("We assumed the old contract was still valid, which was wrong.", "assumption"),
    ("First I ran the tests.", "separator"),
    ("There are 3 things I want to cover.", "numeric"),
    ("We are looking forward to the launch.", "restatement"),
    ("I'd back up the database every night. That's what we did.", "stop"),
    ("We chose a restaurant near the office. It had good reviews.", "stop"),
    ("I'll structure my week around the release.", "routing"),
    ("The target audience loved it.", "constraint"),
    ("We only had fun at the offsite.", "constraint"),
    ("We turned the lights off when we left.", "robustness"),
    ("If the meeting runs out of time, we'll continue tomorrow.", "robustness"),
    ("He assumed the role of team lead in March.", "assumption"),
    ("As an aside, the cache was cold.", "role"),
    ("To make sure the deploy worked, I checked the logs.", "restatement"),
    ("I read 2 books on the topic.", "numeric"),
    ("We went ahead with the migration last summer, though it was rough.", "stop"),
    ("I'd love to talk more about the team. They were great.", "stop"),
    ("I would say the hardest part was the politics, although we got there.", "stop"),
    ("I treated my manager like a mentor.", "routing"),
    ("We had a hard time finding the bug.", "constraint"),
    ("It needs a better name, honestly.", "constraint"),
    ("Regressions in my golf swing aside, the quarter went well.", "robustness"),
    ("I presume you have read my CV.", "assumption"),
    ("I'm a big fan of your product.", "role"),
    ("Part of the problem was the schema.", "separator"),
    ("So the goal was met and everyone was happy.", "restatement"),
]


@pytest.mark.parametrize(("text", "marker"), MORE_FORMS)
def test_more_spoken_forms_fire(text: str, marker: str) -> None:
    assert marker in markers(text)


@pytest.mark.parametrize(("text", "marker"), MORE_LOOK_ALIKES)
def test_more_look_alikes_do_not_fire(text: str, marker: str) -> None:
    assert marker not in markers(text)
