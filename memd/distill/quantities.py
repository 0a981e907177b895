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


@dataclass(frozen=True)
class Quantity:
    subject: str
    value: str
    start: int
    end: int


def find_quantities(sentence: str) -> list[Quantity]:
    out = []
    for m in _QUANTITY.finditer(sentence):
        subject = " ".join(m.group("subject").lower().split())
        if m.group("whose"):
            subject = f"{' '.join(m.group('whose').lower().split())} {subject}"
        value = " ".join(m.group("value").split()).rstrip(".,")
        out.append(Quantity(subject, value, m.start(), m.end()))
    return out


def clause_of(sentence: str, start: int, end: int) -> str:
    """The comma- or semicolon-delimited clause holding [start, end)."""
    a = max(sentence.rfind(c, 0, start) for c in ",;—")
    bs = [i for i in (sentence.find(c, end) for c in ",;—") if i != -1]
    b = min(bs) if bs else len(sentence)
    return sentence[a + 1 : b].strip()
