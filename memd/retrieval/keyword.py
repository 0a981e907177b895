"""Keyword channel: BM25 over LanceDB's full-text index (stemmed, stop words removed)."""

from __future__ import annotations

import math

from memd.retrieval.base import Candidate, Query, Scale, keyword_terms
from memd.retrieval.index import MemoryIndex
from memd.store import Store
from memd.store.filters import Filter

# Filters are applied in RAM to a longer unfiltered result instead of inside LanceDB,
# whose prefilter costs more than the search: at 100k memories the usual filter (no
# archived, no superseded memories) 8.7 ms against 4.3 ms for the search alone, one
# project of five 14 ms against 7 ms for an unfiltered result five times as long.
# Narrower filters stay in LanceDB (the result they would need grows past MAX_FETCH).
# When the longer result holds too few rows that pass (the query's words are mostly
# in other projects), LanceDB is asked again with the filter.
POSTFILTER_SHARE = 0.1
MAX_FETCH = 2_000
# Fusion ranks the top few dozen of a channel; a postfiltered result this share of
# the asked depth deep is enough, and saves the second search.
ENOUGH = 1 / 3
UNFILTERED = Filter(include_archived=True, include_superseded=True)


class KeywordChannel:
    name = "keyword"
    stage = 1
    scale: Scale = "max"
    waits_on_store = True

    def __init__(self, store: Store, index: MemoryIndex | None = None) -> None:
        self._store = store
        self._index = index

    def search(self, query: Query, limit: int) -> list[Candidate]:
        return [Candidate(i, float(s)) for i, s in self.find(query, self._text(query), limit)]

    def find(self, query: Query, text: str, limit: int) -> list[tuple[str, float]]:
        """BM25 hits for ``text`` among the memories ``query``'s filter lets through."""
        # Only word characters reach the index: no query can raise a parse error.
        terms = keyword_terms(text)
        if not terms:
            return []
        found = self._postfiltered(query, terms, limit) if self._index is not None else None
        if found is None:
            found = self._store.keyword(terms, limit, query.filter)
        return found

    def _text(self, query: Query) -> str:
        return query.text

    def _postfiltered(self, query: Query, terms: str, limit: int) -> list[tuple[str, float]] | None:
        """The hits, filtered by the in-RAM index; None where LanceDB must filter."""
        assert self._index is not None
        snap = query.view(self._index)
        if len(snap) == 0:
            return None
        mask = query.mask(snap)
        share = 1.0 if mask is None else float(mask.sum()) / len(snap)
        # Enough unfiltered rows for the asked depth to pass, or for a third of it when the
        # filter is narrow (one project of five: 323 rows, 2.9 ms, instead of 948, 4.9 ms).
        wanted = max(limit * share, limit * ENOUGH)
        fetch = limit if mask is None else math.ceil(wanted / max(share, 1e-9) * 1.25) + 10
        if share < POSTFILTER_SHARE or fetch > MAX_FETCH:
            return None
        raw = self._store.keyword(terms, fetch, UNFILTERED if mask is not None else query.filter)
        if mask is None:
            return raw
        rows = snap.rows([id_ for id_, _ in raw])
        if (rows < 0).any():
            return None  # written after this snapshot: only LanceDB knows if it passes
        kept = [hit for hit, keep in zip(raw, mask[rows].tolist(), strict=True) if keep]
        if len(kept) < limit * ENOUGH and len(raw) == fetch:
            return None  # the filter removed too many: the rest may lie deeper
        return kept[:limit]


class ExpansionChannel(KeywordChannel):
    """BM25 over the words an LLM added to the query (memd.inference.llm), apart from the query's
    own: a weak model's guesses then add evidence without diluting the question's terms
    (mixed into one BM25 query they cost 0.020 R@5 on LoCoMo, BENCHMARKS.md)."""

    name = "expansion"

    def _text(self, query: Query) -> str:
        return query.expansion
