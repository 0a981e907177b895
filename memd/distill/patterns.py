"""The building blocks the frames' regular expressions share: a rule's target, a literal
value, a case style, modal words, and reading a target out of a match."""

from __future__ import annotations

import re

from memd.distill.words import CASES, LITERAL

# A literal a rule names: `code`, 'quoted', "quoted", @decorator, or a bare token that
# looks like code (has an underscore, a digit, a dot, a slash or a leading dash).
AFFIX_VALUE = (
    r"(?:(?:a|an|the)\s+)?(?:(?:lowercase|lower-case|lower\s+case|uppercase|upper\s+case|short|single|specific)\s+)?(?:(?:leading|trailing|prefix|suffix)\s+)?"
    r"(?P<value>" + LITERAL + r"|(?:an?\s+|two\s+|double\s+|single\s+)*underscores?|an?\s+(?:dash|hyphen))"
)
TARGET = r"\b(?P<target>[\w][\w\s,/-]{0,60}?)"
CASE = r"(?:all\s+)?(?P<value>" + "|".join(sorted((re.escape(c) for c in CASES), key=len, reverse=True)) + ")"
MODAL = r"(?:\s+(?:should|must|shall|will|need\s+to|have\s+to|has\s+to|are\s+to|is\s+to|always|now))*"


def rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


_RELATIVE = re.compile(
    r"\s+(?:that\s+|which\s+)?(?:you|we)\s+(?:write|create|add|define|make|implement)$", re.I
)


def target_of(m: re.Match[str]) -> str | None:
    t = m.groupdict().get("target")
    # "every function you write": the relative clause is no part of the subject.
    return _RELATIVE.sub("", " ".join(t.split())).strip(" ,'") if t else None
