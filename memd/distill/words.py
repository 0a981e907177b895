"""The words rules are made of: literals, case styles, values and the verbs people wrap
a rule in ("start using", "get into the habit of adding"), read by memd.distill.frames."""

from __future__ import annotations

import re

LITERAL = (
    r"`[^`\n]{1,60}`|(?<!\w)'[^'\n]{1,40}'(?!\w)|(?<!\w)\"[^\"\n]{1,40}\"(?!\w)|“[^”\n]{1,40}”|‘[^’\n]{1,40}’"
    r"|@[\w.]+|(?<![\w-])(?:--?[\w-]+|[\w-]*[_/\d][\w/-]*(?:\.[\w/-]+)*|[A-Za-z][\w-]*(?:\.[\w-]+)+)"
)
_WORDY_AFFIX = {
    "an underscore": "_",
    "a single underscore": "_",
    "underscore": "_",
    "a double underscore": "__",
    "two underscores": "__",
    "double underscores": "__",
    "a dash": "-",
    "a hyphen": "-",
}
CASES = {
    "camelcase": "camelCase",
    "camel case": "camelCase",
    "lower camel case": "camelCase",
    "pascalcase": "PascalCase",
    "pascal case": "PascalCase",
    "upper camel case": "PascalCase",
    "snake_case": "snake_case",
    "snake case": "snake_case",
    "kebab-case": "kebab-case",
    "kebab case": "kebab-case",
    "screaming_snake_case": "SCREAMING_SNAKE_CASE",
    "screaming snake case": "SCREAMING_SNAKE_CASE",
    "uppercase": "UPPERCASE",
    "upper case": "UPPERCASE",
    "all caps": "UPPERCASE",
    "capital letters": "UPPERCASE",
    "uppercase letters": "UPPERCASE",
    "upper case letters": "UPPERCASE",
    "lowercase letters": "lowercase",
    "lower case letters": "lowercase",
    "lowercase": "lowercase",
    "lower case": "lowercase",
    "title case": "Title Case",
}
PURPOSE = frozenset(
    "distinguish make help ensure keep improve maintain identify avoid handle prevent indicate show "
    "mark signal tell separate differentiate".split()
)
# Words about rules in general: "adopt a specific convention for X" names no feature.
META = frozenset(
    "convention conventions rule rules standard standards practice practices approach style guideline "
    "guidelines change changes update updates consistency habit habits format pattern system method "
    "way this that".split()
)
# A value that points at something said elsewhere ("that decorator", "a particular module").
VAGUE = frozenset("this that these those particular specific certain same such said it".split())
PREPOSITIONS = frozenset("at in on for to with by from of as into".split())
NOISE_VALUES = frozenset("it this that them those these something one the a an".split())


def value_of(raw: str) -> str:
    raw = raw.strip().rstrip(".,;:!")
    low = " ".join(raw.lower().split())
    if low in _WORDY_AFFIX:
        return f"'{_WORDY_AFFIX[low]}'"
    if low in CASES:
        return CASES[low]
    return raw


_BASE_VERBS = tuple(
    "end include use add put prefix suffix name write start begin append prepend import decorate "
    "follow annotate comment incorporate finish apply adopt run keep avoid".split()
)
_GERUND = re.compile(
    r"\b(?P<lead>start|begin|keep|continue|get\s+(?:into\s+)?the\s+habit\s+of|the\s+(?:importance|practice|habit)\s+of|"
    r"(?:focus|insist|be)\s+on|emphasi[sz]e|stop|quit|avoid|you(?:'re|\s+are)|we(?:'re|\s+are))\s+(?:always\s+|consistently\s+)?(?P<g>[a-z]+ing)\b",
    re.I,
)


def _base(gerund: str) -> str | None:
    stem = gerund.lower()[:-3]
    for cand in (stem, stem + "e", stem[:-1] if len(stem) > 2 and stem[-1] == stem[-2] else stem):
        if cand in _BASE_VERBS:
            return cand
    return None


_SYNONYM = re.compile(r"\b(?:utili[sz]e|employ|make\s+use\s+of|leverage)\b", re.I)


def normalize(sentence: str) -> str:
    """ "Start ending names with X" -> "end names with X": the rule's own verb in front.

    People announce a rule as something to begin doing ("start using annotations", "get
    into the habit of adding @validate"); the frames read the verb that follows.
    """

    def repl(m: re.Match[str]) -> str:
        base = _base(m.group("g"))
        if base is None:
            return m.group(0)
        # "stop adding X" keeps its "stop": it is what makes the rule a negation.
        return f"{m.group('lead')} {base}" if m.group("lead").lower() in ("stop", "quit", "avoid") else base

    sentence = _SYNONYM.sub("use", sentence)  # "utilize function annotations"
    return _GERUND.sub(repl, sentence)


def marker_aspect(value: str) -> str:
    """ "Use '_j' for attribute names": a quoted marker that starts with _ or - is a
    suffix, one that ends with it a prefix; anything else is a tool or a style."""
    inner = value.strip("'\"`‘’“”")
    if inner == value or len(inner) < 2 or inner.strip("_-") == "":
        return "use"
    if inner.endswith(("_", "-")):
        return "prefix"
    if inner.startswith(("_", "-")):
        return "suffix"
    return "use"


def is_name(value: str) -> bool:
    """A tool, a literal or a style (one per purpose), not a common noun (one of many)."""
    return (
        bool(re.match(LITERAL + "$", value))
        or value[:1].isupper()
        or value in CASES.values()
        or any(c.isdigit() for c in value)
    )


# What a tool is used *for* holds one tool at a time ("use X for styling / for validation"),
# unlike what a feature is used *in* ("use docstrings for functions": one of several).
PURPOSE_NOUNS = frozenset(
    "validation deployment deployments authentication auth database orm ci css http state tests "
    "testing e2e styles migrations packaging serialization".split()
)


def purpose_noun(target: str | None) -> bool:
    words = (target or "").lower().split()
    return bool(words) and (words[-1].endswith("ing") or words[-1] in PURPOSE_NOUNS)


def plausible(aspect: str, value: str) -> bool:
    """False for a feature that is a word about rules or a preposition's phrase."""
    words = value.lower().split()
    if aspect == "include" and (words[0] in PREPOSITIONS or words[-1] in META or words[0] in VAGUE):
        return False
    return not (words and words[0] in VAGUE)


def purpose_clause(target: str | None) -> bool:
    """A target that is a purpose clause ("indicate that it is module-level")."""
    first = (target or "").lower().split()[:1]
    return bool(first) and first[0] in PURPOSE
