"""The recall path: the question parsed, the channels fused, retention applied, reranked
when a reranker is configured, the hits read, and what was recalled reinforced."""

from __future__ import annotations

import builtins
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from memd.api import When
from memd.clock import Clock
from memd.embedding import Embedder
from memd.errors import InvalidInputError
from memd.inference.llm import QueryExpander
from memd.inference.rerank import Reranker
from memd.lifecycle import Policy, ranking_weight, retention
from memd.records import ChannelScore, Hit, Kind, MemoryRecord, parse_kind
from memd.retrieval import MAX_QUERY_CHARS, MemoryIndex, Query, Retriever
from memd.retrieval.fusion import explain
from memd.retrieval.index import Snapshot
from memd.retrieval.newer_first import newer_first
from memd.retrieval.sections import sections_for_rules
from memd.service.reinforcement import Reinforcements
from memd.store import HIT_COLUMNS, Row, Store
from memd.store.filters import Filter, as_tuple
from memd.text import parse_time

MAX_K = 1_000
REINFORCE_TOP = 3  # hits of a recall that count as recalled


@dataclass
class RecallOptions:
    """What a recall may add to the channels' fusion (all off by default)."""

    reranker: Reranker | None = None
    rerank_top: int = 30
    expander: QueryExpander | None = None
    # The expansion also shifts the query vector (not only the keywords).
    expand_vector: bool = False
    co_recall: bool = False


class Recaller:
    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        retriever: Retriever,
        index: MemoryIndex,
        clock: Clock,
        policy: Policy,
        reinforcements: Reinforcements,
        options: RecallOptions,
    ) -> None:
        self._store = store
        self._embedder = embedder
        self._retriever = retriever
        self._index = index
        self._clock = clock
        self._policy = policy
        self._reinforcements = reinforcements
        self.options = options

    def recall(
        self,
        query: str,
        *,
        k: int = 10,
        project: str | Sequence[str] | None = None,
        kinds: Sequence[Kind | str] | None = None,
        since: When = None,
        until: When = None,
        include_archived: bool = False,
    ) -> list[Hit]:
        if not isinstance(query, str) or not query.strip():
            raise InvalidInputError("the query is empty", hint="Ask a question or give a few keywords.")
        if not 1 <= int(k) <= MAX_K:
            raise InvalidInputError(f"k={k} is outside 1..{MAX_K}", hint="Ask for 1 to 1000 hits.")
        opts = self.options
        flt = Filter(
            projects=as_tuple(project),
            kinds=tuple(parse_kind(x).value for x in kinds or ()),
            since=parse_time(since, field="since"),
            until=parse_time(until, field="until"),
            include_archived=include_archived,
            include_superseded=include_archived,
        )
        q = Query(
            text=query.strip()[:MAX_QUERY_CHARS], filter=flt, embedder=self._embedder, now=self._clock.now()
        )
        if opts.expander is not None:
            q.expansion = opts.expander.expand(q.text)
            q.expansion_in_vector = opts.expand_vector
        # Taken before the channels start, in this thread: they all read this one.
        snap = q.view(self._index)
        # Retention reorders the best candidates, so look a little past k.
        fused = self._retriever.search(q, min(MAX_K, max(3 * int(k), 30)))
        now = self._clock.now()
        scored: builtins.list[tuple[float, Any]] = []
        at: dict[str, int] = {}  # id -> row in the snapshot
        for f, row in zip(fused, snap.rows([f.id for f in fused]).tolist(), strict=True):
            if row < 0:  # found by LanceDB but written after the snapshot: no strength known
                scored.append((f.score, f))
                continue
            at[f.id] = row
            last = datetime.fromtimestamp(int(snap.cols["last_us"][row]) / 1e6, tz=UTC)
            r = retention(now, last, float(snap.cols["stability"][row]), bool(snap.cols["pinned"][row]))
            scored.append((f.score * ranking_weight(r, self._policy), f))
        scored.sort(key=lambda t: (-t[0], t[1].id))
        # Only the hits returned (or the reranker's candidates) are read from the store.
        reading = max(int(k), opts.rerank_top) if opts.reranker is not None else int(k)
        top = scored[:reading]
        rows = self._hit_rows(snap, [f.id for _, f in top], at)
        top = [(score, f) for score, f in top if f.id in rows]
        channels = {f.id: explain(f) for _, f in top}
        if opts.reranker is not None and top:
            relevance = opts.reranker.score(q.text, [rows[f.id]["text"] for _, f in top])
            order = np.argsort(-relevance, kind="stable")
            reranked = []
            for rank, j in enumerate(order, start=1):
                score, f = top[j]
                channels[f.id]["rerank"] = ChannelScore.model_construct(score=float(relevance[j]), rank=rank)
                strength = score / f.score if f.score > 0 else 1.0  # the retention factor
                reranked.append((strength / (1.0 + math.exp(-float(relevance[j]))), f))
            top = sorted(reranked, key=lambda t: (-t[0], t[1].id))
        hits = [
            Hit(memory=MemoryRecord.from_row(rows[f.id]), score=score, channels=channels[f.id])
            for score, f in top[: int(k)]
        ]
        # A rule read from a document answers with the section it came from (its command);
        # where that section was a hit already, the next candidates fill the list up to k.
        hits = sections_for_rules(hits, self._store)
        if opts.reranker is None:
            pos = int(k)
            while len(hits) < int(k) and pos < len(scored):
                batch = scored[pos : pos + int(k) - len(hits)]
                pos += len(batch)
                more = self._hit_rows(snap, [f.id for _, f in batch], at)
                listed = {h.id for h in hits}
                hits = sections_for_rules(
                    hits
                    + [
                        Hit(memory=MemoryRecord.from_row(more[f.id]), score=score, channels=explain(f))
                        for score, f in batch
                        if f.id in more and f.id not in listed
                    ],
                    self._store,
                )
        # An older hit a newer one changed ("max 3 attempts" / "bump it to 5 now") comes second.
        hits = newer_first(hits)
        for hit in hits[:REINFORCE_TOP]:
            self._reinforcements.note(hit.id, 1.0)
        if opts.co_recall:
            self._reinforcements.note_co_recall(q.text, [hit.id for hit in hits[:REINFORCE_TOP]])
        return hits

    def _hit_rows(self, snap: Snapshot, ids: builtins.list[str], at: dict[str, int]) -> dict[str, Row]:
        """The records of ``ids``: what the index mirrors comes from RAM, the rest (text,
        tags…) from the store; rows written after the snapshot wholly from the store.
        An id the store no longer has is left out."""
        known = [i for i in ids if i in at]
        rows = {
            r["id"]: {**snap.record_fields(at[r["id"]]), **r}
            for r in (self._store.get(known, columns=HIT_COLUMNS) if known else ())
        }
        rest = [i for i in ids if i not in at]
        if rest:
            rows |= {r["id"]: r for r in self._store.get(rest)}
        return rows
