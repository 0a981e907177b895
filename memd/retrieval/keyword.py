"""Keyword channel: BM25 over LanceDB's full-text index (stemmed, stop words removed)."""

from __future__ import annotations

import math

from memd.filters import Filter
from memd.retrieval.base import Candidate, Query, keyword_terms
from memd.retrieval.index import MemoryIndex
from memd.store import Store

# A filter that lets most rows through (the usual one: no archived, no superseded
# memories) is applied in RAM to a slightly longer unfiltered result instead of inside
# LanceDB, whose prefilter costs more than the search at 100k memories (7.5 ms against
# 4 ms). Narrower filters (one project among several) stay in LanceDB: the longer
# unfiltered result they need cost as much as the prefilter once parsed. A query the
# longer result cannot fill is asked again with LanceDB filtering.
POSTFILTER_SHARE = 0.5
MAX_FETCH = 2_000
UNFILTERED = Filter(include_archived=True, include_superseded=True)


class KeywordChannel:
    name = "keyword"
    stage = 1
    scale = "max"
    waits_on_store = True

    def __init__(self, store: Store, index: MemoryIndex | None = None) -> None:
        self._store = store
        self._index = index

    def search(self, query: Query, limit: int) -> list[Candidate]:
        # Only word characters reach the index: no query can raise a parse error.
        terms = keyword_terms(query.text)
        if not terms:
            return []
        found = self._postfiltered(query, terms, limit) if self._index is not None else None
        if found is None:
            found = self._store.keyword(terms, limit, query.filter)
        return [Candidate(i, float(s)) for i, s in found]

    def _postfiltered(self, query: Query, terms: str, limit: int) -> list[tuple[str, float]] | None:
        """The hits, filtered by the in-RAM index; None where LanceDB must filter."""
        assert self._index is not None
        snap = query.view(self._index)
        if len(snap) == 0:
            return None
        mask = query.mask(snap)
        share = 1.0 if mask is None else float(mask.sum()) / len(snap)
        fetch = limit if mask is None else math.ceil(limit / max(share, 1e-9) * 1.25) + 10
        if share < POSTFILTER_SHARE or fetch > MAX_FETCH:
            return None
        raw = self._store.keyword(terms, fetch, UNFILTERED if mask is not None else query.filter)
        if mask is None:
            return raw
        rows = snap.rows([id_ for id_, _ in raw])
        if (rows < 0).any():
            return None  # written after this snapshot: only LanceDB knows if it passes
        kept = [hit for hit, keep in zip(raw, mask[rows].tolist(), strict=True) if keep]
        if len(kept) < limit and len(raw) == fetch:
            return None  # the filter removed too many: the rest may lie deeper
        return kept[:limit]
