"""Semantic channel: cosine similarity between the query's embedding and each memory's.

Over the in-RAM int8 matrix (memd.retrieval.index): exact below 20k memories, inverted
lists above (≈ 4 ms at 100k, recall@10 0.96 against exact), where LanceDB's flat search
takes 190 ms.
"""

from __future__ import annotations

import numpy as np

from memd.retrieval.base import Candidate, Query
from memd.retrieval.index import MemoryIndex


def top_rows(scores: np.ndarray, limit: int) -> np.ndarray:
    """Indices of the ``limit`` best finite scores, best first."""
    rows = None
    if len(scores) > 4 * limit:
        # Above the exact-scan size most rows were never scored (-inf): partitioning
        # only the scored ones is ~5x cheaper at 100k.
        finite = np.flatnonzero(np.isfinite(scores))
        if len(finite) < len(scores) // 2:
            rows, scores = finite, scores[finite]
    limit = min(limit, len(scores))
    if limit <= 0:
        return np.empty(0, dtype=np.int64)
    top = np.argpartition(-scores, limit - 1)[:limit]
    top = top[np.argsort(-scores[top], kind="stable")]
    top = top[np.isfinite(scores[top])]
    return top if rows is None else rows[top]


class SemanticChannel:
    name = "semantic"
    stage = 1
    scale = "minmax"

    def __init__(self, index: MemoryIndex) -> None:
        self._index = index

    def search(self, query: Query, limit: int) -> list[Candidate]:
        index = query.view(self._index)
        if len(index) == 0:
            return []
        scores = query.scores(index)
        return [Candidate(str(index.ids[i]), float(scores[i])) for i in top_rows(scores, limit)]
