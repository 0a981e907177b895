"""Temporal channel: memories whose event time fits the time the query names.

"in May 2023", "last week", "three days ago", "yesterday" become a window over
event time (``created_at``); within it, memories are ordered by how close they
are to the query's meaning. "latest", "currently", "recently" ask for recency:
the closest matches are re-ordered newest first. Otherwise the channel abstains.
"""

from __future__ import annotations

import numpy as np

from memd.filters import _us
from memd.retrieval.base import Candidate, Query
from memd.retrieval.index import MemoryIndex
from memd.retrieval.semantic import top_rows

# How many of the closest matches the recency ordering looks at.
RECENCY_POOL = 50
MAX_WINDOW_SHARE = 0.5


class TemporalChannel:
    name = "temporal"
    stage = 1
    scale = "minmax"

    def __init__(self, index: MemoryIndex) -> None:
        self._index = index

    def search(self, query: Query, limit: int) -> list[Candidate]:
        intent = query.intent
        if intent is None or (intent.window is None and not intent.recency):
            return []
        index = query.view(self._index)
        if len(index) == 0:
            return []
        scores = query.scores(index)
        created = index.cols["created_us"]
        if intent.window is not None:
            start, end = intent.window
            keep = (created >= _us(start)) & (created < _us(end))
            mask = query.mask(index)
            in_view = len(index) if mask is None else int(mask.sum())
            inside = int(keep.sum() if mask is None else (keep & mask).sum())
            # A window holding most of what is in view ("in 2023" over a year of notes)
            # says nothing; the channel would only repeat the semantic one.
            if inside == 0 or inside > MAX_WINDOW_SHARE * in_view:
                return []
            scores = np.where(keep, scores, -np.inf)
        rows = top_rows(scores, limit if intent.window is not None else RECENCY_POOL)
        if intent.recency and len(rows):
            # Rank by age among the close matches; the cosine breaks ties.
            age = (created[rows].max() - created[rows]).astype(np.float64)
            span = max(1.0, float(age.max()))
            scores_r = 1.0 - age / span + 0.1 * scores[rows]
            order = np.argsort(-scores_r, kind="stable")
            return [Candidate(str(index.ids[rows[i]]), float(scores_r[i])) for i in order[:limit]]
        return [Candidate(str(index.ids[i]), float(scores[i])) for i in rows]
