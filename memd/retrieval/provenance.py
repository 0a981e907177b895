"""Provenance: a rule read from a turn speaks for that turn.

When memd.distill keeps "Prefix private helpers with `h_`" as a memory of its own, the
turn it was read from ("Actually, let's prefix private helpers with `h_` instead, the
underscore clashes with ...") stays for provenance, but a question about the rule should
get the rule first; and the turn that stated last month's version (whose rule has been
replaced and is left out of recall) should not stand in for it. After fusion, a turn
some distilled memory was read from has its score multiplied by ``weight``. A document's
section (a memory without an author: `memd ingest CLAUDE.md`) is not a turn and is left as is.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from memd.distill.slots import DERIVED
from memd.retrieval.base import Query
from memd.retrieval.index import MemoryIndex


class Provenance:
    name = "provenance"

    def __init__(self, index: MemoryIndex, weight: float) -> None:
        self._index = index
        self.weight = weight

    @property
    def active(self) -> bool:
        return self.weight < 1.0

    def lead(self, query: Query) -> list[tuple[str, float]]:
        return []  # it only lowers turns; it never names memories to put first

    def factors(self, query: Query, ids: Sequence[str]) -> np.ndarray:
        """One factor per id: ``weight`` for a turn a rule was read from, else 1.0."""
        out = np.ones(len(ids), dtype=np.float64)
        if self.weight >= 1.0:
            return out
        snap = query.view(self._index)
        authors = snap.cols["rec:author"]
        for i, row in enumerate(snap.rows(ids).tolist()):
            # A document's section (no speaker) holds the command and context its rule was
            # cut from: it does not give way ("Run a focused test." vs the section's command).
            if row < 0 or not authors[row]:
                continue
            # Links are (other row, relation, this row is the source); the turn is the target.
            if any(rel == DERIVED and not src for _, rel, src in snap.links.get(row, ())):
                out[i] = self.weight
        return out
