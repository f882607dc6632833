"""Phrase patterns for the special tokens, and the filler "like".

Each listed marker phrase also matches its contractions, plurals and tense variants, so a
list entry says a thing once and people may say it in many ways:

- contractions both ways: "I will" / "I'll", "I would" / "I'd", "let us" / "let's", ...
- inflections of each open-class word of four letters or more: "failure mode" also matches
  "failure modes", "roll back" also "rolled back" / "rolling back", "I'll assume" also
  "I'll assumed" (harmless) and, through the irregular table, "went wrong" / "goes wrong";
- a trailing "*" still matches any word ending; an entry starting "re:" is a regular
  expression used as written (apostrophes and spaces made lenient only).

Only marker and closing phrases get variants; fillers and evidence ids match literally
("kinds of" is not the filler "kind of").
"""

from __future__ import annotations

import re
from functools import cache

from prepops.training import prefilter

_APOS = "['’]"
# a phrase starts a word: not after a letter, nor inside a contraction ("don't"), but it may
# follow a quote mark ("the 'load shedding' switch")
_START = r"(?<!\w)(?<!\w['’])"
# and it ends a word: not before a letter nor a contraction ("I'd've"), but a closing quote
# mark may follow it ("our 'Load Shedding' toggle")
_END = r"(?!\w)(?!['’]\w)"
# written form -> the other ways it is said
_CONTRACTIONS = {
    "i will": ("i'll",),
    "i'll": ("i will",),
    "i would": ("i'd",),
    "i'd": ("i would",),
    "i am": ("i'm",),
    "i'm": ("i am",),
    "i have": ("i've",),
    "i've": ("i have",),
    "we will": ("we'll",),
    "we'll": ("we will",),
    "we would": ("we'd",),
    "we'd": ("we would",),
    "let us": ("let's",),
    "let's": ("let us",),
    "that is": ("that's",),
    "that's": ("that is",),
    "it is": ("it's",),
    "it's": ("it is",),
    "here is": ("here's",),
    "here's": ("here is",),
    "you are": ("you're",),
    "you're": ("you are",),
    "we cannot": ("we can't", "we can not"),
    "we can't": ("we cannot", "we can not"),
    "do not": ("don't",),
    "don't": ("do not",),
}
_IRREGULAR = {
    "go": ("go", "goes", "went", "going", "gone"),
    "goes": ("go", "goes", "went", "going", "gone"),
    "went": ("go", "goes", "went", "going", "gone"),
    "fall": ("fall", "falls", "fell", "falling", "fallen"),
    "falls": ("fall", "falls", "fell", "falling", "fallen"),
    "break": ("break", "breaks", "broke", "breaking", "broken"),
    "breaks": ("break", "breaks", "broke", "breaking", "broken"),
    "lead": ("lead", "leads", "led", "leading"),
    "led": ("lead", "leads", "led", "leading"),
    "own": ("own", "owns", "owned", "owning"),
    "owned": ("own", "owns", "owned", "owning"),
    "mean": ("mean", "means", "meant"),
}
# never inflected: function words, and words whose inflections mean something else
_CLOSED = {
    "the", "this", "that", "these", "those", "what", "with", "from", "into", "than", "then",
    "there", "here", "where", "when", "which", "while", "your", "yours", "ours", "their",
    "them", "they", "have", "been", "will", "would", "could", "should", "must", "shall",
    "does", "done", "more", "most", "less", "least", "just", "only", "also", "very", "some",
    "each", "other", "first", "second", "third", "next", "finally", "firstly", "secondly",
    "short", "story", "answer", "design", "plan", "role", "suppose", "like",
}  # fmt: skip


def inflected(word: str) -> str:
    """A regular expression for `word` and its plural, past and -ing forms."""
    if word in _IRREGULAR:
        return "(?:" + "|".join(_IRREGULAR[word]) + ")"
    if len(word) < 4 or word in _CLOSED or not word.isalpha():
        return re.escape(word)
    if word.endswith(("ies", "ied")):
        return re.escape(word[:-3]) + "(?:y|ies|ied|ying)"
    if word.endswith("y") and word[-2] not in "aeiou":
        return re.escape(word[:-1]) + "(?:y|ies|ied|ying)"
    root = word[:-1] if word.endswith("e") else word
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            root = word[: -len(suffix)]
            break
    last = re.escape(root[-1])
    # "assum" + e/es/ed/ing; "stop" + ped/ping; "constraint" + s
    return re.escape(root) + f"(?:e|es|ed|ing|s|{last}ed|{last}ing)?"


def _words(phrase: str) -> str:
    """The body of a plain phrase: words inflected, spaces lenient, apostrophes either kind."""
    parts = [inflected(w) if w.isalpha() else re.escape(w) for w in phrase.split()]
    return r"\s+".join(parts).replace("'", _APOS)


def _body(phrase: str) -> str:
    """A plain phrase and its contracted or expanded forms, as one alternation."""
    low = phrase.lower()
    forms = [low]
    for written, others in _CONTRACTIONS.items():
        if re.search(rf"{_START}{re.escape(written)}(?![\w'])", low):
            forms += [re.sub(rf"{_START}{re.escape(written)}(?![\w'])", o, low) for o in others]
    return "(?:" + "|".join(dict.fromkeys(_words(f) for f in forms)) + ")"


@cache
def pattern(phrase: str) -> re.Pattern[str]:
    """The compiled pattern of a marker or closing phrase, with its variants."""
    if phrase.startswith("re:"):  # a short regular expression, on word boundaries
        body = phrase[3:].strip().replace("'", _APOS).replace(" ", r"\s+")
        return re.compile(rf"{_START}(?:{body}){_END}", re.IGNORECASE)
    if phrase.endswith("*"):  # a word ending: the stem as written, any ending
        stem = re.escape(phrase.rstrip("*")).replace(r"\ ", r"\s+").replace("'", _APOS)
        return re.compile(rf"{_START}{stem}\w*", re.IGNORECASE)
    tail = _END if phrase[-1:].isalnum() else ""
    return re.compile(rf"{_START}{_body(phrase)}{tail}", re.IGNORECASE)


@cache
def literal(phrase: str) -> re.Pattern[str]:
    """A phrase matched as written (fillers, evidence ids); a trailing * is any ending."""
    body = re.escape(phrase.rstrip("*")).replace(r"\ ", r"\s+").replace("'", _APOS)
    tail = r"\w*" if phrase.endswith("*") else (_END if phrase[-1:].isalnum() else "")
    return re.compile(rf"{_START}{body}{tail}", re.IGNORECASE)


@cache
def _requires(phrase: str) -> tuple[tuple[str, ...], ...]:
    """Letters every form of the phrase contains (one of each tuple): a plain phrase's longest
    regular word (four letters), an expression's literal requirements (prefilter)."""
    if phrase.startswith("re:"):
        return prefilter.requirements(phrase[3:].strip())
    words = phrase.lower().rstrip("*").split()
    words = [w for w in words if w.isalpha() and len(w) >= 3 and w not in _IRREGULAR]
    return ((max(words, key=len)[:4],),) if words else ()


def possible(text: str, phrases: tuple[str, ...]) -> tuple[str, ...]:
    """The phrases that can match `text`: those whose every requirement it meets."""
    low = text.lower()
    # a phrase missing a required literal cannot match: skip compiling it (cold start)
    return tuple(p for p in phrases if all(any(k in low for k in ks) for ks in _requires(p)))


def matches(
    text: str, phrases: tuple[str, ...], variants: bool = True
) -> list[tuple[int, int, str]]:
    """(start, end, phrase) of every match of `phrases` in `text`, in order of appearance."""
    # an "re:" entry is a regular expression in every list (separators are otherwise literal)
    found = {}
    for p in possible(text, phrases):
        rx = pattern(p) if variants or p.startswith("re:") else literal(p)
        for m in rx.finditer(text):
            found.setdefault(m.span(), p)
    return [(a, b, p) for (a, b), p in sorted(found.items())]


def spans(text: str, phrases: tuple[str, ...], variants: bool = True) -> list[tuple[int, int]]:
    """(start, end) of every match of `phrases` in `text`, in order of appearance."""
    return [(a, b) for a, b, _ in matches(text, phrases, variants)]


# a colon after these introduces an example or a list, not a section of the answer
_NOT_HEADERS = {
    "this",
    "that",
    "these",
    "those",
    "it",
    "note",
    "e.g",
    "for example",
    "for instance",
}
# a label is a noun phrase ("The lesson:"), not the speaker's own clause ("Let me restate:",
# "Then I segment:", "It's acceptable when:", "The discipline is:")
_CLAUSE_OPENERS = """let let's i i'll i'd i'm we we'll so to and but then first it it's this that
    that's there there's he she they you when if once because after before"""
_NOT_LABEL_START = set(_CLAUSE_OPENERS.split())
_CLAUSE_ENDS = "is are was were be when if because include includes including like by"
_NOT_LABEL_END = set(_CLAUSE_ENDS.split())
# a short part label ("Timeline:", "Why it failed:", "The lesson:") opening a sentence or a line
_HEADER = re.compile(
    r"(?:^|(?<=[.!?:]\s)|(?<=\n))\s*([A-Z][\w'’-]*(?: [\w'’-]+){0,3}):"
    r"[ \t]+(?=[\w\"'“$€£])(?!\d+[.)]\s)"  # what the part says, not a numbered list
)
_LIST_ITEM = re.compile(r"(?:\d+[.)]|[-*•])\s*$")
# an ordinal that opens a clause ("First, the read path.", "Second, I'd diff the deploy")
# marks a part; one before a narrated past step ("First, I checked the logs") walks through
# one story and does not; one before the speaker's own step ("First, I'll validate the data")
# marks a part only when another ordinal follows it: a lone "first" is a step, not a list
_PAST_VERBS = "went ran saw found got made took told had was were did knew began built wrote sent"
_SUBJECT = r"(?:i|we|they|he|she)\b"
_PAST = rf"{_SUBJECT}\s+(?:\w+ed|{'|'.join(_PAST_VERBS.split())})\b"
_ORDINAL = re.compile(
    rf"(?:^|(?<=[.!?;:]\s)|(?<=\n))\s*(first(?:ly)?|second(?:ly)?|third(?:ly)?|next|finally|lastly)"
    rf",?\s+(?!{_PAST})(?=[\w\"'“])",
    re.IGNORECASE,
)
_SPEAKER_STEP = re.compile(rf",?\s+{_SUBJECT}", re.IGNORECASE)


def header_separators(text: str) -> list[int]:
    """Starts of short part labels followed by what the part says (not a list under a heading,
    not an item of a numbered list)."""
    found = []
    for m in _HEADER.finditer(text):
        label = m.group(1)
        words = label.lower().replace("’", "'").split()
        if label.lower() in _NOT_HEADERS or words[0] in _NOT_LABEL_START:
            continue
        if words[-1] in _NOT_LABEL_END:
            continue
        if _LIST_ITEM.search(text[max(0, m.start(1) - 4) : m.start(1)]):
            continue
        found.append(m.start(1))
    return found


def ordinal_separators(text: str) -> list[int]:
    """Starts of clause-opening ordinals that announce a part rather than narrate a step."""
    found = list(_ORDINAL.finditer(text))
    if len(found) >= 2:
        return [m.start(1) for m in found]
    return [m.start(1) for m in found if not _SPEAKER_STEP.match(text, m.end(1))]


_AUX = r"(?:is|are|do|does|did|should|will|would|can|could|was|were|have|has)"
_EITHER_OR = re.compile(rf"^\W*(?:(?:so|and|first|okay)\W+)?{_AUX}\b[^?]*\bor\b[^?]*\?\s*$", re.I)
# a yes/no question about the problem itself ("Can the list be empty?", "Is this web only?")
_SCOPING = re.compile(
    rf"^\W*(?:(?:so|and|first|okay)\W+)?{_AUX}\s+(?:the|this|it|we|there|users?|our|each|every)\b"
    r"[^?]{0,120}\?\s*$",
    re.I,
)


def opening_questions(text: str, sentences: list[tuple[int, int]]) -> list[int]:
    """Starts of either/or or yes/no questions about the problem among an answer's first three
    sentences ("Is this a one-day dip or a sustained trend?"): the question scoped first."""
    return [a for a, b in sentences[:3] if _EITHER_OR.match(text[a:b]) or _SCOPING.match(text[a:b])]


# "like" is a verb or a comparison after these words, never a filler.
_LIKE_KEEP_WORDS = """would i you we they looks look seems seem feel feels felt sounds just
    something anything things much more exactly not don't didn't really it is was be nothing lot"""
_LIKE_KEEP_BEFORE = set(_LIKE_KEEP_WORDS.split())
_CLAUSE_START = {"so", "and", "but", "um", "uh", "erm", "then", "because", "or", "basically"}


def like_fillers(text: str) -> list[int]:
    """Character positions of "like" used as a filler.

    A filler "like" is set off by a comma after it ("it was like, slow"), hedges a number
    ("we had like 3x the traffic"), or opens a clause
    (after a comma, a sentence end, or so/and/but/um), and does not follow a word that makes
    it a verb or a comparison (would like, looks like, something like, I like).
    """
    found = []
    for m in re.finditer(r"\blike\b", text, re.IGNORECASE):
        before = text[: m.start()].rstrip()
        prev = re.findall(r"[\w']+", before[-30:].lower())
        prev_word = prev[-1] if prev else ""
        after = text[m.end() : m.end() + 2]
        if prev_word in _LIKE_KEEP_BEFORE and not before.endswith(","):
            continue
        comma_after = after.startswith(",") or bool(re.match(r"\s+\d", text[m.end() :]))
        opens_clause = not before or before[-1] in ",.!?;:" or prev_word in _CLAUSE_START
        if comma_after or opens_clause:
            found.append(m.start())
    return found
