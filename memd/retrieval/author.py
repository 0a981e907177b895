"""Authorship: a person's own words first, when the query names the person.

"What did Caroline decide about the venue?" is answered by what Caroline said, while
the channels also find what others said to her (her name is in those too, and so are
the question's other words). Memories carry their author (a speaker, a commit's author,
a role such as "user" where the caller says so); the fused hits whose author the query names have
their score raised by a share. A share, not a channel of its own: naming someone is
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

    def named(self, query: Query, ids: Sequence[str]) -> list[bool]:
        """For each of ``ids``, whether the query names its author."""
        snap = query.view(self._index)
        authors = snap.cols["rec:author"]
        grams = query_grams(query.text)
        seen: dict[str, bool] = {}
        out = []
        for row in snap.rows(list(ids)).tolist():
            author = authors[row] if row >= 0 else None
            if author is not None and author not in seen:
                seen[author] = names(author, grams)
            out.append(author is not None and seen[author])
        return out


def names(author: str, grams: set[str]) -> bool:
    """Whether a query (as ``grams``) names ``author``: the whole name, or its first word
    ("Jane" for "Jane Doe")."""
    key = author.lower()
    return key in grams or key.split(" ", 1)[0] in grams
