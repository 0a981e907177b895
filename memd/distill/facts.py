"""Project facts said in any wording: "payments listens on port 4312", "port for payments is
5000 now", "we moved payments to port 6000".

A fact is a sentence about the work that carries one value (a number, a version, a host or
path, a flag or a code span). Its subject is the bag of the other content words: the
service, the environment, the attribute ("port", "database host", "retries"), singular
and canonical, without verbs and filler. Two wordings of one fact seldom give the same
bag, so the learner treats bags that hold one another as the same fact when no other fact
of the project could be meant (see ``nested_bag``).
"""

from __future__ import annotations

import re

from memd.distill.subjects import canonical_words

# One value: `code`, a flag (-x, --maxfail=1), a dotted host or version, a number with its
# unit, or a word-number like "Node 22" (the name joins the bag, the number is the value).
_VALUE = re.compile(
    r"`[^`\n]{1,60}`"
    r"|(?<![\w-])--?[A-Za-z][\w-]*(?:=[\w.-]+)?(?:\s+(?:auto|\d+))?"
    r"|\b[A-Za-z][\w-]*(?:\.[\w-]+)+\b"
    r"|(?<![\w.])v?\d+(?:\.\d+)*\s?(?:ms|s|m|h|d|kb|mb|gb|%|x)?(?!\w|\.\w)",
    re.I,
)
# Words that say how a fact is stated, not what it is about.
_FILLER = frozenset(
    "the a an is are was were be been now currently still just from to on in at for of with as by "
    "its it our we us you your they their this that these those and or but so then here there "
    "heads up fyi btw note please set change changed changes switch switched move moved bump "
    "bumped update updated upgrade upgraded use uses used using run runs ran running listen "
    "listens listening talk talks get gets got have has had make makes made keep keeps go goes "
    "went from now on before after until when do does did will would should must can could "
    "service team suite new old default same value number".split()
)
MIN_WORDS = 2


def value_fact(sentence: str) -> tuple[frozenset[str], str] | None:
    """(subject bag, value) of a sentence that states one valued fact, else None."""
    values = [m.group(0) for m in _VALUE.finditer(sentence)]
    if len(values) != 1:
        return None
    value = values[0].strip()
    rest = sentence.replace(values[0], " ")
    bag = frozenset(w for w in canonical_words(rest) if w not in _FILLER and not w.isdigit() and len(w) > 1)
    if len(bag) < MIN_WORDS:
        return None
    return bag, value


def bag_key(bag: frozenset[str]) -> str:
    return " ".join(sorted(bag))


def nested_bag(a: str, b: str) -> bool:
    """True when one bag key holds the other (and they differ)."""
    x, y = set(a.split()), set(b.split())
    return x != y and (x < y or y < x) and min(len(x), len(y)) >= MIN_WORDS
