"""Turning a turn of conversation into sentences a rule can be read from.

People instruct coding agents in running prose, chat bubbles, Markdown bullets
(CLAUDE.md, review comments) and code spans; a sentence boundary must not fall inside
`code`, a quoted 'token', a path or a version number.
"""

from __future__ import annotations

import re

# Spans that must stay whole: code, quotes, URLs, paths, dotted names and versions.
_PROTECTED = re.compile(
    r"`[^`\n]+`"
    r"|(?<!\w)'[^'\n]{1,60}'(?!\w)"
    r"|(?<!\w)\"[^\"\n]{1,80}\"(?!\w)"
    r"|\bhttps?://\S+"
    r"|(?<!\w)(?:\.{0,2}/)?[\w.-]+(?:/[\w.*-]+)+/?"
    r"|\b\w+(?:\.\w+)+\b"
)
# People type to agents in lower case: a sentence may start with any letter, except after
# an abbreviation ("e.g. this", "vs. that").
_BOUNDARY = re.compile(r"(?<=[.!?;])\s+(?=[\"'`(\[]?[A-Za-z0-9@`'\"-])|\n+|\s*[—–]\s*(?=[A-Za-z])")
_ABBREVIATION = re.compile(
    r"(?:\b(?:e\.g|i\.e|etc|vs|approx|incl|cf|fig|no|mr|mrs|ms|dr)\.|\b[A-Z]\.)$", re.I
)
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_HEADING = re.compile(r"^\s*#{1,6}\s+")


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``, each stripped, bullets and headings unmarked."""
    masks: dict[str, str] = {}

    def hide(m: re.Match[str]) -> str:
        key = f"\x00{len(masks)}\x00"
        masks[key] = m.group(0)
        return key

    hidden = _PROTECTED.sub(hide, text)

    def show(part: str) -> str:
        for key, value in masks.items():
            part = part.replace(key, value)
        return part

    parts: list[str] = []
    for part in _BOUNDARY.split(hidden):
        if parts and _ABBREVIATION.search(show(parts[-1])) and not part.startswith("\n"):
            parts[-1] = f"{parts[-1]} {part}"
        else:
            parts.append(part)
    out = []
    for part in parts:
        part = _HEADING.sub("", _BULLET.sub("", part)).strip()
        if not part:
            continue
        for key, value in masks.items():
            part = part.replace(key, value)
        out.append(part)
    return out


# Openers that carry no content: "Going forward, I'd like you to ..." -> "...".
_LEAD_INS = re.compile(
    r"^(?:(?:also|and|so|now|ok(?:ay)?|alright|great|right|well|one more thing|oh|btw|by the way|"
    r"yes|yeah|yep|sure|absolutely|of course|perfect|exactly|good|excellent|indeed|nit|minor|"
    r"per (?:our|the) (?:style ?guide|guidelines?|conventions?|docs)|"
    r"firstly|first(?:ly)?|secondly|second|thirdly|third|lastly|finally|additionally|furthermore|"
    r"moreover|besides|plus|in addition|on another note|another thing|one thing|"
    r"going forward|moving forward|from now on|from here on(?: out)?|as of (?:now|today)|"
    r"in the future|in future|next|then|actually|instead|note|hey|similarly|likewise|again|"
    r"remember(?=\s*[:,!])|reminder(?=\s*[:,!])|(?:just )?(?:a )?(?:quick )?reminder|as a reminder|"
    r"heads up|fyi|btw|psst|quick (?:note|thing)|before you (?:start|begin)|"
    r"(?:quick |some |a bit of )?context(?=\s*:)|(?:code )?review(?: comment| note)?(?=\s*:)|"
    r"comment(?=\s*:)|tip(?=\s*:)|psa(?=\s*:)|important(?=\s*:)|update(?=\s*:)|"
    r"specifically|in particular|particularly|"
    r"(?:(?:another\s+|one\s+more\s+)?(?:thing|aspect|point)\s+)?(?:to\s+keep\s+in\s+mind|we\s+focus\s+on|to\s+remember)\s+is|"
    r"(?:moving\s+|now\s+)?on(?:to|\s+to)\s+(?:some\s+|a\s+few\s+|the\s+)?[\w\s-]{1,40}?(?=\s*:)|"
    r"(?:oh,? )?(?:and )?(?:just )?(?:one|a) (?:quick |small |last )?(?:thing|note|reminder)"
    r")\b[,:;!—–-]*\s*)+",
    re.I,
)
_REQUEST = re.compile(
    r"^(?:(?:i(?:'d| would)? (?:also |really |now |just )?(?:like|want|prefer|need) (?:you |us |everyone )?to|we need (?:you )?to|you need to|you should|you must"
    r"|(?:please|pls|plz)(?: (?:make sure|remember|be sure) (?:to|that you|you))?"
    r"|(?:make sure|remember|be sure|don't forget) (?:to|that you|you)"
    r"|(?:can|could|would) you(?: please)?|let's|let us"
    r")\s+)+",
    re.I,
)


# "User asked (Claude Code session 1a2b3c4d): ...": how memd labels a watched request.
_LABEL = re.compile(r"^(?:user|human)\s+(?:asked|said|wrote)(?:\s*\([^)]{0,80}\))?:\s*", re.I)


def strip_lead_in(sentence: str) -> str:
    """The sentence without openers and politeness, its first letter capitalised."""
    s = _LEAD_INS.sub("", _LABEL.sub("", sentence.strip()))
    s = _REQUEST.sub("", s)
    s = s.strip(" ,;:-—–")
    return s[:1].upper() + s[1:] if s else s
