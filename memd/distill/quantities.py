"""A project setting given as a number: "line length 100", "the line length is 120 now",
"timeout is 30s", "max retries: 5". The setting (its head noun and a word or two before
it) is the subject; a newer number for the same setting replaces the older one."""

from __future__ import annotations

import re
from dataclasses import dataclass

# The heads of settings people state in numbers (ports and versions are facts elsewhere).
_HEADS = (
    r"line\s+length|line\s+width|line\s+limit|timeouts?|retries|retry\s+count|concurrency|workers|"
    r"worker\s+count|threads|batch\s+size|page\s+size|pool\s+size|chunk\s+size|coverage(?:\s+threshold)?|"
    r"indent(?:ation)?(?:\s+width)?|tab\s+width|replicas|memory\s+limit|cpu\s+limit|ttl|rate\s+limit|"
    r"max\s+connections|connection\s+limit|complexity"
)
_MODIFIER = r"(?:(?!(?:the|our|a|an|is|are|we|and|with|set|now|it)\b)[a-z][\w-]*\s+){0,2}?"
_QUANTITY = re.compile(
    r"\b(?:the\s+|our\s+|a\s+)?(?P<subject>" + _MODIFIER + r"(?:" + _HEADS + r"))\s*"
    r"(?:(?:is|are|=|:|of|at|to|should\s+be|must\s+be|stays\s+at|goes\s+to|was\s+bumped\s+to|"
    r"(?:is\s+)?(?:now\s+)?set\s+to|(?:is\s+)?now|of\s+up\s+to|limit\s+of|max(?:imum)?\s+of)\s*)*"
    r"(?P<value>\d[\d.,]*(?:\s*(?:%|ms|s|sec|secs|seconds|min|mins|minutes|h|chars?|characters|lines|"
    r"spaces|mb|gb|k))?)(?![\w.])"
    # "timeout is 30s for the payments client": whose setting it is.
    r"(?:\s+(?:for|on|in)\s+(?:the\s+|our\s+)?(?P<whose>(?!(?:now|all|every|new|prod|production)\b)[a-z][\w-]*(?:\s+(?!(?:now|too)\b)[a-z][\w-]*)?))?",
    re.I,
)


# Whose port: "The dev server is `npm run dev` on port 5173", "payments listens on port
# 4312", "we moved staging payments to port 6000", "port for staging payments is 7000".
_WHO = r"(?:the\s+|our\s+)?(?P<who>(?!(?:we|i|you|they|it|this|that)\b)[a-z][\w-]*(?:\s+[a-z][\w-]*){0,2}?)"
_PORTS = [
    re.compile(
        r"\b(?:moved|switched|changed|put|pointed)\s+"
        + _WHO
        + r"\s+(?P<cut>to\s+port\s+(?P<value>\d{2,5}))\b",
        re.I,
    ),
    re.compile(
        r"\bport\s+(?:for|of)\s+" + _WHO + r"\s+(?:is|=|:)\s+(?:now\s+)?(?P<value>\d{2,5})\b(?P<cut>)", re.I
    ),
    re.compile(
        r"(?:^|[,;]\s*)" + _WHO + r"\s+"
        r"(?:(?:is|runs|listens|moved|now\s+runs|lives|serves|starts|was\s+moved|got\s+moved|binds)\b[^,.;]{0,30}?\s)?"
        r"(?P<cut>(?:on|to|at)\s+port\s+(?P<value>\d{2,5}))\b",
        re.I,
    ),
]


@dataclass(frozen=True)
class Quantity:
    subject: str
    value: str
    start: int
    end: int
    cut: tuple[int, int] | None = None  # the words that give the number ("on port 5173")
    port: bool = False


def find_quantities(sentence: str) -> list[Quantity]:
    out = []
    for m in _QUANTITY.finditer(sentence):
        subject = " ".join(m.group("subject").lower().split())
        if m.group("whose"):
            subject = f"{' '.join(m.group('whose').lower().split())} {subject}"
        value = " ".join(m.group("value").split()).rstrip(".,")
        out.append(Quantity(subject, value, m.start(), m.end()))
    for pattern in _PORTS:  # the most specific shape that fits
        pm = pattern.search(sentence)
        if pm is not None:
            who = " ".join(pm.group("who").lower().split())
            cut = (pm.start("cut"), pm.end("cut")) if pm.group("cut") else None
            out.append(Quantity(f"{who} port", pm.group("value"), pm.start("who"), pm.end(), cut, port=True))
            break
    return out


def clause_of(sentence: str, start: int, end: int) -> str:
    """The comma- or semicolon-delimited clause holding [start, end)."""
    a = max(sentence.rfind(c, 0, start) for c in ",;—")
    bs = [i for i in (sentence.find(c, end) for c in ",;—") if i != -1]
    b = min(bs) if bs else len(sentence)
    return sentence[a + 1 : b].strip()
