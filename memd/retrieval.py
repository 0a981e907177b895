"""Retrieval: channels that each propose scored candidates, and the fusion of them.

A channel is anything with a ``name`` and ``search(query, limit)``. The seven-channel
engine adds more of them; the service only sees :class:`Retriever`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np

from memd.embed import Embedder
from memd.filters import Filter
from memd.records import ChannelScore
from memd.store import Store

# Longer queries add nothing a person would type; they only cost time.
MAX_QUERY_CHARS = 2_000
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


@dataclass
class Query:
    """A recall request as the channels see it. The vector is computed once, lazily."""

    text: str
    filter: Filter
    embedder: Embedder | None = None
    _vector: np.ndarray | None = field(default=None, repr=False)

    @property
    def vector(self) -> np.ndarray:
        if self._vector is None:
            if self.embedder is None:
                raise RuntimeError("this query has no embedder")
            self._vector = self.embedder.embed_query(self.text)
        return self._vector


@dataclass(frozen=True)
class Candidate:
    id: str
    score: float


class Channel(Protocol):
    name: str

    def search(self, query: Query, limit: int) -> list[Candidate]: ...


def keyword_terms(text: str) -> str:
    """The query as plain terms: no character can act as full-text query syntax."""
    return _NON_WORD.sub(" ", text[:MAX_QUERY_CHARS]).strip()


class KeywordChannel:
    """BM25 over LanceDB's full-text index."""

    name = "keyword"

    def __init__(self, store: Store) -> None:
        self._store = store

    def search(self, query: Query, limit: int) -> list[Candidate]:
        terms = keyword_terms(query.text)
        if not terms:
            return []
        return [Candidate(i, float(s)) for i, s in self._store.keyword(terms, limit, query.filter)]


class VectorCache:
    """All vectors in RAM as one matrix: exact search over 100k rows in a few ms.

    Reloaded whenever the table's version moves, so writes by this process or
    another one are seen on the next search.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._version: int | None = None
        self.ids = np.empty(0, dtype=object)
        self.matrix = np.zeros((0, store.dim), dtype=np.float32)
        self._cols: dict[str, np.ndarray] = {}

    def refresh(self) -> None:
        version = self._store.version()
        if version == self._version:
            return
        with self._lock:
            if version == self._version:
                return
            table = self._store.index_columns()
            n = table.num_rows
            ids = np.array(table.column("id").to_pylist(), dtype=object)
            if n:
                flat = table.column("vector").combine_chunks().flatten().to_numpy(zero_copy_only=False)
                matrix = np.asarray(flat, dtype=np.float32).reshape(n, -1)
            else:
                matrix = np.zeros((0, self._store.dim), dtype=np.float32)
            created = table.column("created_at").cast("int64").to_numpy(zero_copy_only=False)
            self._cols = {
                "project": np.array(table.column("project").to_pylist(), dtype=object),
                "kind": np.array(table.column("kind").to_pylist(), dtype=object),
                "created_us": np.asarray(created, dtype=np.int64),
                "archived": np.array([t == "archived" for t in table.column("tier").to_pylist()], dtype=bool),
                "superseded": np.array(
                    [s is not None for s in table.column("superseded_by").to_pylist()], dtype=bool
                ),
            }
            self.ids, self.matrix, self._version = ids, matrix, version

    def search(self, vector: np.ndarray, limit: int, flt: Filter) -> list[Candidate]:
        self.refresh()
        if len(self.ids) == 0:
            return []
        scores = self.matrix @ vector.astype(np.float32)
        mask = flt.mask(**self._cols)
        if mask is not None:
            scores = np.where(mask, scores, -np.inf)
        limit = min(limit, len(scores))
        top = np.argpartition(-scores, limit - 1)[:limit]
        top = top[np.argsort(-scores[top])]
        return [Candidate(str(self.ids[i]), float(scores[i])) for i in top if np.isfinite(scores[i])]


class SemanticChannel:
    """Cosine similarity between the query's embedding and each memory's."""

    name = "semantic"

    def __init__(self, cache: VectorCache) -> None:
        self._cache = cache

    def search(self, query: Query, limit: int) -> list[Candidate]:
        return self._cache.search(query.vector, limit, query.filter)


@dataclass(frozen=True)
class Fused:
    id: str
    score: float
    channels: dict[str, ChannelScore]


FusionMethod = Literal["weighted", "rrf"]


def fuse(
    results: dict[str, list[Candidate]],
    weights: dict[str, float],
    *,
    method: FusionMethod = "weighted",
    rrf_k: int = 60,
) -> list[Fused]:
    """Combine channel results into one ranking.

    ``weighted``: each channel's scores are scaled to [0, 1] by its best score in
    this query, then summed with the channel weights. Unlike rank fusion, a weak
    channel's top hit does not count as much as a strong channel's, which is why
    it keeps BM25's lead on conversational memory instead of diluting it.
    """
    totals: dict[str, float] = {}
    seen: dict[str, dict[str, ChannelScore]] = {}
    for name, cands in results.items():
        weight = weights.get(name, 1.0)
        if not cands:
            continue
        best = max(c.score for c in cands)
        worst = min(c.score for c in cands)
        for rank, cand in enumerate(cands, start=1):
            seen.setdefault(cand.id, {})[name] = ChannelScore(score=cand.score, rank=rank)
            if method == "rrf":
                contribution = 1.0 / (rrf_k + rank)
            elif name == "semantic":
                # Cosines crowd into a narrow band; spread that band over [0, 1].
                span = best - worst
                contribution = (cand.score - worst) / span if span > 1e-9 else 1.0
            else:
                contribution = cand.score / best if best > 0 else 0.0
            totals[cand.id] = totals.get(cand.id, 0.0) + weight * contribution
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    return [Fused(i, s, seen[i]) for i, s in ranked]


class Retriever:
    """Runs every channel over one query and fuses what they found."""

    def __init__(
        self,
        channels: Sequence[Channel],
        weights: dict[str, float],
        *,
        method: FusionMethod = "weighted",
        depth: Callable[[int], int] = lambda k: max(50, 5 * k),
    ) -> None:
        self.channels = list(channels)
        self.weights = dict(weights)
        self.method: FusionMethod = method
        self._depth = depth
        self._pool = ThreadPoolExecutor(
            max_workers=max(1, len(self.channels)), thread_name_prefix="memd-channel"
        )

    def search(self, query: Query, k: int) -> list[Fused]:
        limit = self._depth(k)
        active = [ch for ch in self.channels if self.weights.get(ch.name, 1.0) > 0]
        if len(active) == 1:
            results = {active[0].name: active[0].search(query, limit)}
        else:
            # Channels wait on native code (ONNX Runtime, LanceDB) that releases the
            # GIL, so running them side by side hides the query embedding's cost.
            futures = {ch.name: self._pool.submit(ch.search, query, limit) for ch in active}
            results = {name: f.result() for name, f in futures.items()}
        return fuse(results, self.weights, method=self.method)[:k]
