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

_APOS = "['’]"
# a phrase starts a word: not after a letter, nor inside a contraction ("don't"), but it may
# follow a quote mark ("the 'load shedding' switch")
_START = r"(?<!\w)(?<!\w['’])"
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
        return re.compile(rf"{_START}{body}(?![\w'])", re.IGNORECASE)
    if phrase.endswith("*"):  # a word ending: the stem as written, any ending
        stem = re.escape(phrase.rstrip("*")).replace(r"\ ", r"\s+").replace("'", _APOS)
        return re.compile(rf"{_START}{stem}\w*", re.IGNORECASE)
    tail = r"(?![\w'])" if phrase[-1:].isalnum() else ""
    return re.compile(rf"{_START}{_body(phrase)}{tail}", re.IGNORECASE)


@cache
def literal(phrase: str) -> re.Pattern[str]:
    """A phrase matched as written (fillers, evidence ids); a trailing * is any ending."""
    body = re.escape(phrase.rstrip("*")).replace(r"\ ", r"\s+").replace("'", _APOS)
    tail = r"\w*" if phrase.endswith("*") else (r"(?![\w'])" if phrase[-1:].isalnum() else "")
    return re.compile(rf"{_START}{body}{tail}", re.IGNORECASE)


@cache
def _key(phrase: str) -> str | None:
    """Four letters every form of the phrase contains (its longest regular word), or None."""
    if phrase.startswith("re:"):
        return None
    words = phrase.lower().rstrip("*").split()
    words = [w for w in words if w.isalpha() and len(w) >= 3 and w not in _IRREGULAR]
    return max(words, key=len)[:4] if words else None


def spans(text: str, phrases: tuple[str, ...], variants: bool = True) -> list[tuple[int, int]]:
    """(start, end) of every match of `phrases` in `text`, in order of appearance."""
    compile_ = pattern if variants else literal
    low = text.lower()
    # a phrase whose key letters are absent cannot match: skip compiling it (cold start)
    wanted = [p for p in phrases if (key := _key(p)) is None or key in low]
    return sorted({m.span() for p in wanted for m in compile_(p).finditer(text)})


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
