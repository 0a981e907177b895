"""Which sentences of a project's briefing a later word of the user's has made stale.

A briefing shows rules and facts, the turns the user told the agent (memd.told) and the
agent's recent reports. People change things in passing — "jin covers redis reviews now",
"retention goes to 180 days", "we're bumping the minimum to iOS 17" — and most such changes
reach no rule the distiller could supersede. Shown beside the new word, the old sentence
("marco reviews anything touching redis") reads as current. :func:`sift` finds them, by two
signs a person would use, without a model:

* **retired values**: an older sentence names a value the user since left behind ("moving off
  Airflow", "Ravi moved to the billing team") — :mod:`memd.told`;
* **restatement**: a newer sentence of the user's that says something changed ("now", "from
  now on", "goes to", "bumping", "took over") shares the older sentence's subject — at least
  two content words, and a quarter of the shorter one's — and each names a value (code, a
  number, a name) the other does not.

A turn loses only its stale sentences. A stored rule or fact is read only for retired
values (its own versions are the learner's business: memd.service.learning), and a stale one
is left out whole. Nothing is changed in the store: an old turn is still recalled, and history is
kept. What this misses stays in the briefing, newest first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from memd.told import Retired, dropped_values

OVERLAP = 0.25  # share of the shorter sentence's content words two sentences on one subject share
SHARED = 2  # and at least this many (or all of a shorter one's)

# A sentence that says something changed: "from now on", "switching", "bump it to 5", "is
# 04:00 now", "moved to", "instead", "no longer", "took over", "starting with".
_CHANGE = re.compile(
    r"\b(?:now|from\s+now(?:\s+on)?|going\s+forward|anymore|any\s+more|no\s+longer|instead|"
    r"chang\w*|switch\w*|mov(?:e|es|ed|ing)|migrat\w+|bump\w*|upgrad\w+|extend\w*|raise[sd]?|"
    r"lower(?:ed|s)?|goes\s+to|go\s+to|replac\w+|takes?\s+over|took\s+over|covers?|"
    r"from\s+tomorrow|effective|starting|new\s+(?:format|owner|default|rule|plan|version|window|"
    r"time|schedule|minimum|limit))\b",
    re.I,
)
# "ticket prefix stays ORD- so branch names don't change": says what does not change.
_UNCHANGED = re.compile(
    r"\b(?:(?:don't|doesn't|do\s+not|does\s+not|won't|will\s+not|didn't|never|no\s+need\s+to)\s+(?:\w+\s+)?"
    r"(?:chang|mov|switch|bump|replac)\w*|stays?\b|unchanged|remains?\b|same\s+as\s+(?:before|now))",
    re.I,
)
_STOP = frozenset(
    """the and for are but not you your our all any can has had was were its it's his her him she
    they them then than that this with from have will would should could about there their what
    when where which while just also into only some more most very really been being does done
    make made need needs want wants know like please thanks thank sure fine good great okay yeah
    think still again here next last first time today tomorrow yesterday week weeks day days
    going goes change changes changed switch switching moving move moved instead anymore longer
    other same every each because since after before now new old use using used get got let one
    two way out off per too yes via
    """.split()
)
_TOKEN = re.compile(r"`[^`\n]+`|[\w][\w.:/+#-]*[\w+#%]|\w")


def subject_of(sentence: str) -> tuple[frozenset[str], frozenset[str]]:
    """A sentence's content-word stems and its values, read once for many comparisons."""
    return frozenset(_stems(sentence)), frozenset(values(sentence))


def same_subject_other_value(
    a: tuple[frozenset[str], frozenset[str]], b: tuple[frozenset[str], frozenset[str]]
) -> bool:
    """Whether two sentences (:func:`subject_of`) speak of one subject (the restatement test
    below) and each names a value the other does not: "Use `yarn` for installs" / "Install
    with `pnpm install`"."""
    return _restates(_Said(_EPOCH, b[0], b[1], ""), set(a[0]), set(a[1]))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Item:
    """One briefing candidate (or a turn that is not shown but can make others stale)."""

    id: str
    at: datetime
    sentences: tuple[str, ...]
    user: bool = False  # a user's turn: its words can retire values and restate sentences
    whole: bool = False  # a stored rule or fact: stale anywhere, left out whole
    shown: bool = True
    text: str = ""  # the turn as stored (its dropped values are read from it)


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def _stems(text: str) -> set[str]:
    return {w.lower()[:5] for w in re.findall(r"[A-Za-z][A-Za-z-]{2,}", text) if w.lower() not in _STOP}


def values(sentence: str) -> set[str]:
    """Name-like tokens: code, numbers and times, and words written with a capital (not
    the sentence's first)."""
    out = set()
    for n, m in enumerate(_TOKEN.finditer(sentence)):
        tok = m.group(0)
        if tok.startswith("`") or any(c.isdigit() for c in tok) or (n > 0 and tok[:1].isupper()):
            out.add(tok.strip("`").lower())
    return out


@dataclass(frozen=True)
class _Said:
    at: datetime
    stems: frozenset[str]
    values: frozenset[str]
    item: str


def _restates(new: _Said, stems: set[str], vals: set[str]) -> bool:
    common = len(new.stems & stems)
    shorter = min(len(new.stems), len(stems))
    return (
        # "MSRV goes to 1.74": a short sentence shares its one subject word
        (common >= SHARED or (common >= 1 and common == shorter))
        and common >= OVERLAP * shorter
        and bool(vals - new.values)
        and bool(new.values - vals)
    )


class Sifter:
    """What a set of items says changed: the values retired and the sentences of change."""

    def __init__(self, items: list[Item]) -> None:
        self.retired = Retired()
        self.changes: list[_Said] = []
        for it in items:
            self.read(it)

    def read(self, it: Item) -> None:
        at = _aware(it.at)
        if not it.user:
            return
        for value in dropped_values(it.text or " ".join(it.sentences)):
            self.retired.add(value, at, it.id)
        for s in it.sentences:
            if _CHANGE.search(s) and not _UNCHANGED.search(s):
                vals = values(s)
                if vals:
                    self.changes.append(_Said(at, frozenset(_stems(s)), frozenset(vals), it.id))

    def says_something(self) -> bool:
        """Whether what was read retires a value or says a change (else nothing is stale)."""
        return bool(len(self.retired) or self.changes)

    def stale(self, it: Item, sentence: str) -> bool:
        """Whether ``sentence`` of ``it`` names a retired value or, in a turn, is restated."""
        at = _aware(it.at)
        if self.retired.stale(sentence, at, it.id):
            return True
        if it.whole:  # a stored rule changes through the learner's slots
            return False
        stems, vals = _stems(sentence), values(sentence)
        return bool(vals) and any(
            c.at > at and c.item != it.id and _restates(c, stems, vals) for c in self.changes
        )

    def kept(self, it: Item) -> str | None:
        """``it``'s text without its stale sentences, one line; None: leave it out."""
        kept = []
        for s in it.sentences:
            if self.stale(it, s):
                if it.whole:
                    return None
            else:
                kept.append(s)
        return " ".join(" ".join(kept).split()) or None


def sift(items: list[Item]) -> dict[str, str | None]:
    """For each shown item, its text without stale sentences (one line); None: leave it out."""
    sifter = Sifter(items)
    return {it.id: sifter.kept(it) for it in items if it.shown}


def makes_stale(sifter: Sifter, at: datetime, older: Item) -> bool:
    """Whether what ``sifter`` read (one item, written at ``at``) retires or restates
    something ``older`` says."""
    return (
        sifter.says_something()
        and _aware(at) > _aware(older.at)
        and any(sifter.stale(older, s) for s in older.sentences)
    )
