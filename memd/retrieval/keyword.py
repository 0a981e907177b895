"""Keyword channel: BM25 over LanceDB's full-text index (stemmed, stop words removed)."""

from __future__ import annotations

from memd.retrieval.base import Candidate, Query, keyword_terms
from memd.store import Store


class KeywordChannel:
    name = "keyword"
    stage = 1
    scale = "max"
    waits_on_store = True

    def __init__(self, store: Store) -> None:
        self._store = store

    def search(self, query: Query, limit: int) -> list[Candidate]:
        # Only word characters reach the index: no query can raise a parse error.
        terms = keyword_terms(query.text)
        if not terms:
            return []
        return [Candidate(i, float(s)) for i, s in self._store.keyword(terms, limit, query.filter)]
