"""Consolidation channel: consolidated knowledge first, then the episodes under it.

Consolidation (see ``memd.lifecycle.consolidate``) turns a cluster of related episodes into
one semantic memory linked to them with ``consolidates``. A query close to that
knowledge finds it, and its episodes inherit a share of its score: the detail
stays reachable through the summary that outlived it.
"""

from __future__ import annotations

import numpy as np

from memd.retrieval.base import Candidate, Query, Scale
from memd.retrieval.index import CONSOLIDATES, MemoryIndex
from memd.retrieval.semantic import top_rows

PARENTS = 5
# Knowledge counts only when it is nearly as close to the query as the closest memory of
# all: the channel's scores are scaled by their own range, so without this gate the best
# of a few unrelated summaries lifted its episodes on every query (LoCoMo after one
# maintenance pass, whose clusters were rounds of "thanks, that's great": R@5 0.692 ->
# 0.676 ungated, 0.691 gated). A summary on the query's subject sits at 0.85-0.89 of its
# best episode's cosine (real MiniLM), so 0.9 silenced it too.
NEAR_BEST = 0.8


class ConsolidationChannel:
    name = "consolidation"
    stage = 1
    scale: Scale = "minmax"

    def __init__(self, index: MemoryIndex) -> None:
        self._index = index

    def search(self, query: Query, limit: int) -> list[Candidate]:
        index = query.view(self._index)
        parents = np.fromiter(index.knowledge, dtype=np.int64)
        mask = query.mask(index)
        if mask is not None:
            parents = parents[mask[parents]]
        if len(parents) == 0:
            return []
        vector = query.vector
        cos = index.cosines(vector, parents)
        best = float(np.max(query.scores(index)))
        out: dict[int, float] = {}
        for j in top_rows(cos, PARENTS):
            if cos[j] < NEAR_BEST * best:
                continue
            parent, score = int(parents[j]), float(cos[j])
            out[parent] = max(out.get(parent, -1.0), score)
            members = [m for m, rel, out in index.links.get(parent, ()) if rel == CONSOLIDATES and out]
            if members:
                sims = index.cosines(vector, np.array(members, dtype=np.int64))
                for m, s in zip(members, sims, strict=True):
                    if mask is None or mask[m]:
                        out[m] = max(out.get(m, -1.0), 0.5 * score + 0.5 * float(s))
        ranked = sorted(out.items(), key=lambda t: (-t[1], t[0]))[:limit]
        return [Candidate(str(index.ids[r]), s) for r, s in ranked]
