"""Changes of tool said as what was dropped and what came instead, and work said as
"we <verb> with X" — two shapes developers use for tooling rules in passing:

- "we dropped black, we're using ruff format now", "we replaced Jest with Vitest",
  "ditched yarn for pnpm", "got rid of moment in favour of date-fns": the new value,
  and the old one it replaces (the learner finds the rule that held the old value);
- "we format with black", "we lint with ruff", "we deploy via ArgoCD": the tool for a
  kind of work, whose subject is the work ("formatting").
"""

from __future__ import annotations

import re

from memd.distill.found import Found
from memd.distill.words import LITERAL, value_of

# A tool's name: a literal or one or two words that stop before a clause word.
_STOP = r"(?!(?:because|since|as|for|now|instead|and|but|so|to|from|in|on|with|not|over|rather|we|it|too|thing|idea|change|plan|switch|stuff)\b)"
_TOOL = r"(?:" + LITERAL + r"|[\w.+-]+(?:\s+" + _STOP + r"[\w.+-]+)?)"
_THE = r"(?:(?:the|our|a|an)\s+)?"

_DROPPED = re.compile(
    r"\b(?:dropped|ditched|removed|got\s+rid\s+of|retired|stopped\s+using|moved\s+away\s+from|"
    r"replaced|swapped(?:\s+out)?|are\s+done\s+with|gave\s+up\s+on)\s+"
    + _THE
    + r"(?P<old>"
    + _TOOL
    + r")\s*(?:,|;|—|–|-|\band\b)?\s*(?:(?:so\s+)?(?:we(?:'re|\s+are|'ll|\s+will)?|now|and|it's|its)\s+)*"
    r"(?:(?:now\s+)?(?:using|use|went\s+with|going\s+with|switched\s+to|moved\s+to|adopted|with|for|"
    r"in\s+favou?r\s+of|by))\s+" + _THE + r"(?P<value>" + _TOOL + r")",
    re.I,
)

# The work a tool is named for, and the subject a rule about it has.
_WORK = {
    "format": "formatting",
    "lint": "linting",
    "test": "testing",
    "type-check": "type checking",
    "typecheck": "type checking",
    "bundle": "bundling",
    "build": "builds",
    "deploy": "deployment",
    "package": "packaging",
    "release": "releases",
    "profile": "profiling",
    "benchmark": "benchmarks",
    "document": "documentation",
}
_VERB_WITH = re.compile(
    r"\bwe\s+(?:now\s+|always\s+|also\s+)?(?P<verb>"
    + "|".join(sorted(map(re.escape, _WORK), key=len, reverse=True))
    + r")\s+(?:(?:our|the|all|everything|code|it|things)\s+){0,2}(?:with|using|via|through)\s+"
    + _THE
    + r"(?P<value>"
    + _TOOL
    + r")",
    re.I,
)


# "Logging goes through zap", "auth is handled by Keycloak": the tool a kind of work uses.
_GOES_THROUGH = re.compile(
    r"^(?:all\s+|our\s+|the\s+)?(?P<target>[a-z][\w-]*(?:\s+[a-z][\w-]*){0,2}?)\s+"
    r"(?:goes|go|happens|is\s+done|are\s+done|is\s+handled|are\s+handled)\s+(?:through|via|with|using|by)\s+"
    + _THE
    + r"(?P<value>"
    + _TOOL
    + r")",
    re.I,
)


# "I changed my mind about Zustand, let's use Redux Toolkit", "scratch the Redux thing,
# we're going back to Zustand": the old value named first, the new one after.
_CHANGED_MIND = re.compile(
    r"\b(?:changed\s+(?:my|our)\s+mind\s+(?:about|on)|scratch|forget|undo|revert|drop)\s+"
    + _THE
    + r"(?P<old>"
    + _TOOL
    + r")(?:\s+(?:thing|idea|change|plan|switch|migration|move))?\s*(?:,|;|—|–|-|\.)?\s*"
    r"(?:(?:let's|lets|we(?:'re|\s+are|'ll|\s+will)?|i|so|and|now)\s+)*"
    r"(?:go(?:ing)?\s+back\s+to|use|switch(?:ing)?\s+(?:back\s+)?to|stick\s+with|return(?:ing)?\s+to|revert(?:ing)?\s+to)\s+"
    + _THE
    + r"(?P<value>"
    + _TOOL
    + r")",
    re.I,
)
# "we're going back to Zustand": a return to a value, the old one unnamed.
_BACK_TO = re.compile(
    r"\b(?:go(?:ing)?|went|switch(?:ing|ed)?|mov(?:ing|ed)|return(?:ing|ed)?)\s+back\s+to\s+"
    + _THE
    + r"(?P<value>"
    + _TOOL
    + r")",
    re.I,
)
# "name event handlers onX", "name hooks useSomething": a naming pattern given by example.
_NAME_AS = re.compile(
    r"\b[Nn]ame\s+(?:all\s+|your\s+|the\s+|our\s+|new\s+)*(?P<target>[a-z][a-z\s-]{1,30}?)\s+(?:like\s+|as\s+)?"
    r"(?P<value>`[^`\n]{1,40}`|[a-z]+[A-Z][\w]*)(?:\s+(?:instead\s+of|not|rather\s+than)\s+(?P<old>`[^`\n]{1,40}`|[a-z]+[A-Z][\w]*))?"
)


def find_shifts(sentence: str) -> list[Found]:
    out: list[Found] = []
    for m in _CHANGED_MIND.finditer(sentence):
        old, new = value_of(m.group("old")), value_of(m.group("value"))
        if old.lower() != new.lower():
            out.append(Found("use", new, None, m.start(), m.end(), replaces=old))
    for m in _BACK_TO.finditer(sentence):
        out.append(Found("use", value_of(m.group("value")), None, m.start(), m.end()))
    for m in _NAME_AS.finditer(sentence):
        old = m.group("old")
        out.append(
            Found(
                "pattern",
                m.group("value").strip("`"),
                m.group("target"),
                m.start(),
                m.end(),
                replaces=old.strip("`") if old else None,
            )
        )
    for m in _GOES_THROUGH.finditer(sentence):
        out.append(Found("use", value_of(m.group("value")), m.group("target"), m.start(), m.end()))
    for m in _DROPPED.finditer(sentence):
        old, new = value_of(m.group("old")), value_of(m.group("value"))
        if old.lower() != new.lower():
            out.append(Found("use", new, None, m.start(), m.end(), replaces=old))
    for m in _VERB_WITH.finditer(sentence):
        work = _WORK[m.group("verb").lower()]
        out.append(Found("use", value_of(m.group("value")), work, m.start(), m.end()))
    return out
