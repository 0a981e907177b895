"""Temporal channel: memories whose event time fits the time the query names.

"in May 2023", "last week", "three days ago", "yesterday" become a window over
event time (``created_at``); within it, memories are ordered by how close they
are to the query's meaning. On one side of a time ("before 2024", "since 1 March",
"after the migration") the same holds, and among equally close matches the one
nearer that time comes first ("just after"). An event ("the migration") is placed
at the time of the memory that matches it best, in meaning or in words; that memory
itself is left out, being the event, not what came of it. "latest", "currently",
"recently" order the closest matches newest first. Otherwise the channel abstains.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from memd.retrieval.base import Candidate, Query, Scale
from memd.retrieval.index import MemoryIndex, Snapshot
from memd.retrieval.intent import Anchor, Intent, reach
from memd.retrieval.keyword import KeywordChannel
from memd.retrieval.semantic import top_rows
from memd.store.filters import _us

# How many of the closest matches the recency ordering looks at.
RECENCY_POOL = 50
# On one side of a time, nearness to it counts this much beside the cosine (which
# spreads over ~0.3 between a match and a miss with the bundled model).
NEAR_WEIGHT = 0.1
MAX_WINDOW_SHARE = 0.5
# An event's words must match some memory at least this well to place it in time; the
# bundled MiniLM gives unrelated texts cosines of 0.0-0.2.
ANCHOR_MIN_COSINE = 0.3

# Where the event is looked for: the question's closest matches, and the memories that
# share the event's words (full-text, stemmed): MiniLM puts "the migration" at 0.26 from
# "Migrated the orders service from MongoDB to PostgreSQL", so the cosine alone missed the
# issue's own example, while "migration" and "migrated" share a stem.
EVENT_POOL = 1_000
EVENT_WORD_HITS = 10
# A memory with the event's words is preferred to one that is merely as close in meaning.
WORD_BONUS = 0.1

_Window = tuple[int, int]  # event time in µs, start inclusive, end exclusive


class TemporalChannel:
    name = "temporal"
    stage = 1
    scale: Scale = "minmax"

    def __init__(self, index: MemoryIndex, words: KeywordChannel | None = None) -> None:
        self._index = index
        self._words = words  # finds the event by its words; without it, by meaning alone

    def search(self, query: Query, limit: int) -> list[Candidate]:
        intent = query.intent
        if intent is None or (intent.window is None and not intent.recency and intent.anchor is None):
            return []
        index = query.view(self._index)
        if len(index) == 0:
            return []
        placed = self._place(query, index, intent)
        if placed is None:
            return []
        window, near, event_row = placed
        scores = query.scores(index)
        if event_row is not None:
            scores = scores.copy()
            scores[event_row] = -np.inf
        created = index.cols["created_us"]
        if window is not None:
            keep = (created >= window[0]) & (created < window[1])
            if near is None and not intent.recency:
                mask = query.mask(index)
                in_view = len(index) if mask is None else int(mask.sum())
                inside = int(keep.sum() if mask is None else (keep & mask).sum())
                # A window holding most of what is in view ("in 2023" over a year of notes)
                # says nothing; the channel would only repeat the semantic one.
                if inside == 0 or inside > MAX_WINDOW_SHARE * in_view:
                    return []
            scores = np.where(keep, scores, -np.inf)
        if near is None and not intent.recency:
            return [Candidate(str(index.ids[i]), float(scores[i])) for i in top_rows(scores, limit)]
        rows = top_rows(scores, RECENCY_POOL if window is None else limit)
        if not len(rows):
            return []
        if near is not None:
            distance = np.abs(created[rows] - near).astype(np.float64)
            ordered = scores[rows] + NEAR_WEIGHT * (1.0 - distance / max(1.0, float(distance.max())))
        else:
            # Among the close matches, the newest first; the cosine breaks ties.
            age = (created[rows].max() - created[rows]).astype(np.float64)
            ordered = 1.0 - age / max(1.0, float(age.max())) + 0.1 * scores[rows]
        order = np.argsort(-ordered, kind="stable")
        return [Candidate(str(index.ids[rows[i]]), float(ordered[i])) for i in order[:limit]]

    def _place(
        self, query: Query, index: Snapshot, intent: Intent
    ) -> tuple[_Window | None, int | None, int | None] | None:
        """The window in µs, the time to be near and the event's own row; None when the
        query's event is not in the store."""
        if intent.anchor is None:
            window = None if intent.window is None else (_us(intent.window[0]), _us(intent.window[1]))
            return window, None if intent.near is None else _us(intent.near), None
        row = self._event_row(query, index, intent.anchor)
        if row is None:
            return None
        window, near = _side(int(index.cols["created_us"][row]), intent.anchor)
        return window, near, row

    def _event_row(self, query: Query, index: Snapshot, anchor: Anchor) -> int | None:
        if query.embedder is None:
            return None
        vector = np.asarray(query.embedder.embed_query(anchor.phrase), dtype=np.float32)
        # The question names the event in its own words, so the event's memory is among the
        # question's closest matches: scoring those alone spares a pass over the store.
        rows = top_rows(query.scores(index), EVENT_POOL)
        worded = self._worded_rows(query, index, anchor)
        rows = np.union1d(rows, worded).astype(np.int64)
        if not len(rows):
            return None
        cos = index.cosines(vector, rows)
        has_words = np.isin(rows, worded)
        scores = cos + WORD_BONUS * has_words
        best = int(np.argmax(scores))
        if cos[best] < ANCHOR_MIN_COSINE and not has_words[best]:
            return None
        return int(rows[best])

    def _worded_rows(self, query: Query, index: Snapshot, anchor: Anchor) -> np.ndarray:
        """Rows of the memories that share the event's words (none without a store)."""
        if self._words is None:
            return np.empty(0, dtype=np.int64)
        found = self._words.find(query, anchor.phrase, EVENT_WORD_HITS)
        rows = index.rows([id_ for id_, _ in found])
        return rows[rows >= 0]


def _side(at: int, anchor: Anchor) -> tuple[_Window, int | None]:
    """The window on the anchor's side of ``at``; the event's own time is inside it (an
    episode recorded with the event often tells what followed)."""
    big = np.iinfo(np.int64).max
    if anchor.within is None:
        return ((-big, at + 1), at) if anchor.side == "before" else ((at, big), at)
    far = _micros(reach(anchor.within))
    return ((at - far, at + 1), None) if anchor.side == "before" else ((at, at + far), None)


def _micros(delta: timedelta) -> int:
    return int(delta.total_seconds() * 1_000_000)
