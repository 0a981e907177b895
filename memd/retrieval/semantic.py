"""Semantic channel: cosine similarity between the query's embedding and each memory's.

Exact search over the in-RAM int8 matrix: 8 ms at 100k x 384 on two cores, where
LanceDB's flat search takes 190 ms and an IVF-PQ index trades recall for 5 ms.
"""

from __future__ import annotations

import numpy as np

from memd.retrieval.base import Candidate, Query
from memd.retrieval.index import MemoryIndex


def top_rows(scores: np.ndarray, limit: int) -> np.ndarray:
    """Indices of the ``limit`` best finite scores, best first."""
    limit = min(limit, len(scores))
    if limit <= 0:
        return np.empty(0, dtype=np.int64)
    top = np.argpartition(-scores, limit - 1)[:limit]
    top = top[np.argsort(-scores[top], kind="stable")]
    return top[np.isfinite(scores[top])]


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
