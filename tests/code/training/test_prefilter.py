"""The literal keys that let a cold `prepops score` skip compiling patterns that cannot match."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from prepops.training import phrasing
from prepops.training.markers import default_phrases, score
from prepops.training.prefilter import keys

LABELLED = yaml.safe_load((Path(__file__).parents[2] / "data" / "transcripts.yaml").read_text())


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("(?:pick|choose|go with) (?:the )?cheaper", ("cheaper",)),  # a plain word wins
        ("(?:revoke|rotate)d? (?:the )?keys", ("revoke", "rotate")),  # one of a group's openings
        ("favou?r (?:the )?\\w+", ("favo",)),  # an optional last letter is dropped
        ("(?:slo|sla)s? (?:is|are)", ("slo", "sla")),
        ("(?:i|we) (?:can't|cannot)", ("can", "cannot")),  # "can't" opens with three letters
    ],
)
def test_keys_are_what_every_match_contains(body: str, expected: tuple[str, ...]) -> None:
    assert keys(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        "abc|def",  # a top-level alternation: no part is required
        "(?:a|an) \\w+",  # openings too short to be selective
        "(?:\\d+|one) ms",  # a digit opening, and "ms" is two letters
        "(?=abc)\\w+",  # a lookahead consumes nothing
        "[abc]+ \\w+",  # a character class is not a literal
        "(?:first )?st",  # the optional group gives nothing, "st" is too short
    ],
)
def test_expressions_without_a_safe_key_are_always_tried(body: str) -> None:
    assert keys(body) is None
    assert phrasing.possible("zzz", ("re:" + body,)) == ("re:" + body,)


def test_every_packaged_pattern_that_matches_has_its_keys_in_the_text() -> None:
    """Soundness: skipping a pattern whose keys are absent never loses a match."""
    phrases = default_phrases()
    lists = [*phrases.markers.values(), *phrases.closing.values(), *phrases.opening.values()]
    texts = [
        "I'd take the managed queue; we can move the batch jobs over in the next sprint.",
        "My first step would be to rule out a tracking change, then split by platform.",
        "Given our headcount of four and a hard launch date, I cannot add a new service.",
        "We'll declare a sev-2, drain the bad zone and revoke the leaked tokens.",
        "Approach: size it first, then price it. Clarify: is mobile in scope?",
        "Pick B for new users, knowing churn might rise; revisit after a month.",
    ]
    texts += [case["text"] for case in LABELLED]
    matched = 0
    for text in texts:
        for plist in lists:
            for phrase in plist:
                if phrasing.pattern(phrase).search(text):
                    matched += 1
                    assert phrasing.possible(text, (phrase,)) == (phrase,), phrase
    assert matched >= 100  # the texts exercise many patterns, not a handful


def test_spans_with_the_prefilter_equal_spans_of_every_pattern() -> None:
    text = "I'd first check the logs. We cannot exceed 200 ms. Pick A; harden it in v2."
    for plist in default_phrases().markers.values():
        every = {m.span() for p in plist for m in phrasing.pattern(p).finditer(text)}
        assert phrasing.spans(text, plist) == sorted(every)
    assert {"routing", "constraint", "stop", "numeric"} <= set(score(text, 30)["markers"])
