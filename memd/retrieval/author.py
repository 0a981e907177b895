"""Authorship: a person's own words first, when the query names the person.

"What did Caroline decide about the venue?" is answered by what Caroline said, while
the channels also find what others said to her (her name is in those too, and so are
the question's other words). Memories carry their author (a speaker, a commit's
author, a role such as "user" where the caller says so); the fused hits whose author
the query names have their score raised by a share. A share, not a channel of its own: naming someone is
no reason to recall everything they ever said, and a question that credits the wrong
person must still find the right memory (LoCoMo's adversarial questions do just
that: at a 30 % raise they lost 0.16 R@5, at 20 % 0.08 — BENCHMARKS.md).
"""

from __future__ import annotations

from collections.abc import Sequence

from memd.retrieval.base import Query
from memd.retrieval.entity import query_grams
from memd.retrieval.index import MemoryIndex


class Authorship:
    def __init__(self, index: MemoryIndex) -> None:
        self._index = index

    def named_authors(self, query: Query) -> frozenset[str]:
        """The authors in view whom the query names (most queries name none)."""
        snap = query.view(self._index)
        if not snap.authors:
            return frozenset()
        grams = query_grams(query.text)
        capitalised = capitalised_words(query.text)
        return frozenset(a for a in snap.authors if names(a, grams, capitalised))

    def by(self, query: Query, ids: Sequence[str], authors: frozenset[str]) -> list[bool]:
        """For each of ``ids``, whether one of ``authors`` wrote it."""
        snap = query.view(self._index)
        col = snap.cols["rec:author"]
        return [row >= 0 and col[row] in authors for row in snap.rows(list(ids)).tolist()]


def capitalised_words(text: str) -> set[str]:
    """The query's words written with a capital, lower-cased, but for its first word (any
    sentence starts with one: "Will the cache hold?")."""
    words = [w.strip(".,;:!?'\"()") for w in text.split()]
    return {w.lower() for w in words[1:] if w[:1].isupper()}


def names(author: str, grams: set[str], capitalised: set[str]) -> bool:
    """Whether a query names ``author``: the whole name in any case ("dana", "Jane Doe"), or
    the first word of a longer name written as a name ("Jane" for "Jane Doe", but not the
    "will" of "what will break" for "Will Smith")."""
    key = author.lower()
    if key in grams:
        return True
    first, _, rest = key.partition(" ")
    return bool(rest) and first in capitalised
