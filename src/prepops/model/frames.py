"""Question frames: the shape of a question, whatever its topic.

"Tell me about a time ...", "how would you improve X", "estimate how many ...", "what would
you check", a bare title such as "proximity service": frames carry across wording where the
words of the training questions do not. The router adds each frame a question has as a
feature ("f:improve", ...) and its classifier learns how much each one leans towards each mode.
Matched on the tokenized, lowercased question (router.tokens joined by spaces).
"""

from __future__ import annotations

import re

_FRAMES = {
    "past": r"^(?:tell me about|describe|give (?:me )?an example|can you (?:describe|give)|"
    r"discuss|share|walk me through) .*\b(?:a|the|your|one) (?:time|situation|project|moment)|"
    r"\ba time (?:when|you|that)|\bhave you ever\b|\byour (?:biggest|greatest|proudest)",
    "you_did": r"\byou (?:had|did|made|led|handled|received|faced|took|went|failed|learned)\b",
    "improve": r"\b(?:improve|enhance|redesign|make \w+ better|10x|fix the experience)\b",
    "estimate": r"^(?:estimate|calculate|guess|size)\b|\bhow (?:many|much)\b|\bmarket size\b|"
    r"\btam\b|\bestimate the\b",
    "pm": r"\b(?:pm|pms|product manager|head of product|product lead)\b",
    "measure": r"\b(?:what|which) (?:metrics?|kpis?|goals?)\b|\bmeasure (?:the )?success\b|"
    r"\bsuccess (?:metric|of)\b|\bnorth star\b|\bset goals\b",
    "strategy": r"\bshould (?:\w+ ){1,3}(?:enter|launch|acquire|build|buy|expand|invest)\b|"
    r"\bmonetiz|\bstrategy\b|\bgo to market\b|\bgo-to-market\b|\bmarket share\b",
    "kpi_moved": r"\b(?:dau|mau|wau|retention|conversion|revenue|engagement|signups?|sales|"
    r"orders|bookings|impressions|cancellations?|churn|installs|sessions|usage|volumes?)\b.*"
    r"\b(?:drop|dropped|down|decreas\w*|declin\w*|fell|fallen|up|increas\w*|spik\w*)\b",
    "check": r"\bwhat (?:would|do|will) you (?:check|look at|inspect)\b|\bwhere (?:do|would) "
    r"you (?:start|look|begin)\b|\bhow (?:would|will|do|can) you (?:troubleshoot|debug|diagnose|"
    r"investigate|fix|resolve|find out|identify|detect|trace)\b|\bwhat commands?\b",
    "symptom": r"\b(?:stuck|fails?|failing|failed|crash\w*|not (?:working|accessible|reachable|"
    r"running|responding|starting)|exits?|refused|denied|keeps \w+ing|unreachable|error|"
    r"timeouts?|timing out|hangs?|lagging|broken|down)\b",
    "design": r"^(?:design|designing|architect|build|how would you (?:design|build|architect))\b",
    # made for a group of people: product design ("a budgeting tool for retired teachers")
    "for_people": r"\bfor (?:\w+ ){0,2}(?:people|users|customers|kids|children|teens|teenagers|"
    r"students|teachers|parents|seniors|elderly|retirees|families|drivers|commuters|travell?ers|"
    r"patients|doctors|nurses|freelancers|musicians|shoppers|restaurants|farmers|employees|"
    r"workers|businesses|shops|blind|deaf|athletes|gamers|creators|merchants|renters)\b",
    "explain": r"^(?:explain|define|describe|discuss|mention|what is|what are|what's|how does|"
    r"how do|why is|why do|compare|when would you use)\b",
    "stats": r"\b(?:distribution|sample|variance|mean|median|test|hypothesis|probability|model|"
    r"algorithm|regression|classifier|clustering|bias|error rate|significance)\b",
    # a bare title of at most four words ("proximity service", "stock exchange")
    "title": r"^(?!(?:how|what|why|when|where|which|who|explain|describe|define|design|tell|"
    r"estimate|should|can|do|does|is|are|would|give)\b)(?:\S+ ){0,3}\S+$",
}
FRAMES = {name: re.compile(rx) for name, rx in _FRAMES.items()}


def question_frames(joined: str) -> list[str]:
    """Feature names "f:<frame>" of the frames the tokenized question `joined` has."""
    return [f"f:{name}" for name, rx in FRAMES.items() if rx.search(joined)]
