"""The retriever: runs the channels in two stages and fuses what they found."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Protocol

import numpy as np

from memd.retrieval.author import Authorship
from memd.retrieval.base import Candidate, Channel, Query
from memd.retrieval.brevity import Brevity
from memd.retrieval.fusion import Fused, FusionMethod, fuse
from memd.retrieval.intent import analyse
from memd.retrieval.relevance import RelevanceGate

# Second-stage channels start from this many of the first stage's fused hits.
SEED_POOL = 100


class Prior(Protocol):
    """A factor on fused scores from what a hit is (see ``provenance``, ``rules``)."""

    name: str

    @property
    def active(self) -> bool: ...

    def factors(self, query: Query, ids: Sequence[str]) -> np.ndarray: ...

    def lead(self, query: Query) -> list[tuple[str, float]]:
        """Memories to put first wherever fusion ranked them, with their cosine."""
        ...


class Retriever:
    """Stage 1 channels search side by side; their fusion seeds stage 2 (spreading
    activation, associative recall); everything is fused once more; short turns of a
    conversation give way by ``brevity_weight`` (see ``brevity``) and the hits whose
    author the query names rise by ``author_boost`` (see ``author``); turns a rule was
    read from give way to the rule (see ``provenance``); hits without
    evidence of their own are dropped (see ``relevance``). Weights are the
    configured ones times the query's own leanings (see ``intent``)."""

    def __init__(
        self,
        channels: Sequence[Channel],
        weights: dict[str, float],
        *,
        method: FusionMethod = "weighted",
        depth: Callable[[int], int] = lambda k: max(50, 5 * k),
        adaptive: bool = True,
        authorship: Authorship | None = None,
        author_boost: float = 0.0,
        brevity: Brevity | None = None,
        brevity_weight: float = 0.0,
        gate: RelevanceGate | None = None,
        priors: Sequence[Prior] = (),
    ) -> None:
        self.channels = list(channels)
        self.weights = dict(weights)
        self.authorship = authorship
        self.author_boost = author_boost
        self.brevity = brevity
        self.brevity_weight = brevity_weight
        self.gate = gate
        self.priors = [p for p in priors if p.active]
        self.method: FusionMethod = method
        self.adaptive = adaptive
        self._depth = depth
        self._scales = {ch.name: ch.scale for ch in self.channels}
        waiting = sum(1 for ch in self.channels if getattr(ch, "waits_on_store", False))
        self._pool = ThreadPoolExecutor(max_workers=max(1, waiting), thread_name_prefix="memd-channel")

    def _run(self, channels: list[Channel], query: Query, limit: int) -> dict[str, list[Candidate]]:
        # Channels that wait on the store (LanceDB's full-text search releases the GIL)
        # run on a worker while this thread embeds the query and runs the in-RAM
        # channels one after another: those share one matrix product through the
        # query's cache, and threads would only fight over the GIL.
        waiting = [ch for ch in channels if getattr(ch, "waits_on_store", False)]
        futures = (
            {ch.name: self._pool.submit(ch.search, query, limit) for ch in waiting}
            if len(channels) > 1
            else {}
        )
        results = {ch.name: ch.search(query, limit) for ch in channels if ch.name not in futures}
        results |= {name: f.result() for name, f in futures.items()}
        return {ch.name: results[ch.name] for ch in channels}

    def weights_for(self, query: Query) -> dict[str, float]:
        weights = dict(self.weights)
        if self.adaptive and query.intent is not None:
            for name, boost in query.intent.boosts.items():
                if name in weights:
                    weights[name] *= boost
        return weights

    def search(self, query: Query, k: int) -> list[Fused]:
        if query.intent is None and query.now is not None:
            query.intent = analyse(query.text, query.now)
        limit = self._depth(k)
        weights = self.weights_for(query)
        active = [ch for ch in self.channels if weights.get(ch.name, 1.0) > 0]
        first = [ch for ch in active if ch.stage == 1]
        second = [ch for ch in active if ch.stage != 1]
        results = self._run(first, query, limit)
        if second:
            seeds = fuse(results, weights, scales=self._scales, method=self.method, limit=SEED_POOL)
            if self.gate is not None:
                # Activation flows only from hits with evidence of their own: what it
                # reaches is then their neighbourhood, not an unrelated memory's.
                seeds = self.gate.keep(seeds, query.embedder)
            query.seeds = [Candidate(f.id, f.score) for f in seeds]
            results |= {ch.name: ch.search(query, limit) for ch in second}
        named = (
            self.authorship.named_authors(query)
            if self.authorship is not None and self.author_boost > 0
            else frozenset()
        )
        brief = self.brevity is not None and self.brevity_weight > 0
        said = bool(self.priors)
        if not named and not brief and not said and self.gate is None:
            return fuse(results, weights, scales=self._scales, method=self.method, limit=k)
        # A factor can lift a hit from a little below k, not from far below; the gate's
        # leftovers come from there too.
        pool = fuse(results, weights, scales=self._scales, method=self.method, limit=max(k, SEED_POOL))
        if self.gate is not None:
            pool = self.gate.keep(pool, query.embedder)
        leads: list[tuple[str, float]] = []
        if said:
            # A prior may name memories that lead the answer wherever fusion put them (the
            # rules a rule question names): they join the pool and go first below.
            for prior in self.priors:
                leads += prior.lead(query)
            have = {f.id for f in pool}
            pool += [Fused(i, 0.0, {}) for i, _ in leads if i not in have]
        if not pool or (not named and not brief and not said):
            return pool[:k]
        ids = [f.id for f in pool]
        scores = np.array([f.score for f in pool], dtype=np.float64)
        # Shown beside the channels: the factor, and the rank the hit had before it.
        notes: dict[int, dict[str, tuple[float, int]]] = {}
        if brief:
            assert self.brevity is not None
            factors = self.brevity.factors(query, ids, self.brevity_weight)
            scores *= factors
            for i in np.flatnonzero(factors < 1.0).tolist():
                notes.setdefault(i, {})["brevity"] = (float(factors[i]), i + 1)
        for prior in self.priors:
            factors = prior.factors(query, ids)
            scores *= factors
            for i in np.flatnonzero(factors != 1.0).tolist():
                notes.setdefault(i, {})[prior.name] = (float(factors[i]), i + 1)
        if named:
            assert self.authorship is not None
            factor = 1.0 + self.author_boost
            for i, by_named in enumerate(self.authorship.by(query, ids, named)):
                if by_named:
                    scores[i] *= factor
                    notes.setdefault(i, {})["author"] = (factor, i + 1)
        if leads:
            top = float(scores.max(initial=0.0)) + 1.0
            at = {id_: i for i, id_ in enumerate(ids)}
            for id_, cos in leads:
                i = at[id_]
                scores[i] = top + cos
                notes.setdefault(i, {})["rule"] = (scores[i], i + 1)
        order = sorted(range(len(pool)), key=lambda i: (-scores[i], ids[i]))[:k]
        return [
            replace(pool[i], score=float(scores[i]), channels={**pool[i].channels, **notes[i]})
            if i in notes
            else pool[i]
            for i in order
        ]
