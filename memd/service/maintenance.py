"""Lifecycle work: forgetting (tier moves and the vector format each tier calls for),
consolidation of episodes into knowledge, restoring, and re-embedding after a model change.

Every step is one commit or a sequence of them that can stop anywhere: running it again
continues where it stopped.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from memd.api import Progress
from memd.clock import Clock
from memd.embedding import Embedder, quantize
from memd.lifecycle import Policy, retention, tier_for
from memd.lifecycle.consolidate import Episode, ExtractiveSummarizer, Summarizer, find_clusters
from memd.records import Kind, MemoryRecord, Tier
from memd.service.lookup import Lookup
from memd.service.reinforcement import Reinforcements
from memd.service.writing import EMBED_CHUNK, Writer
from memd.store import Store
from memd.store.filters import Filter

CONSOLIDATES = "consolidates"
# Consolidated episodes fade faster: the knowledge that summarises them carries on.
SOURCE_WEAKENING = 0.5
CONSOLIDATION_MARK = "consolidation_checked_until"
CONSOLIDATION_OVERLAP = timedelta(days=2)


class Maintenance:
    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        clock: Clock,
        policy: Policy,
        lookup: Lookup,
        reinforcements: Reinforcements,
        writer: Writer,
        *,
        summarizer: Summarizer | None = None,
    ) -> None:
        self._summarizer = summarizer
        self._store = store
        self._embedder = embedder
        self._clock = clock
        self._policy = policy
        self._lookup = lookup
        self._reinforcements = reinforcements
        self._writer = writer

    def maintain(self) -> dict[str, int]:
        """Decay and tier moves for every memory, then compaction. Safe to interrupt:
        each step is one commit and running it again continues where it stopped."""
        self._reinforcements.flush()
        now = self._clock.now()
        moves: dict[str, int] = {}
        with self._store.writing():
            updates = []
            for row in self._store.strength_columns().to_pylist():
                if row["tier"] == Tier.ARCHIVED.value:
                    continue  # archived stays archived until restored
                last = row["last_recalled_at"] or row["recorded_at"]
                r = retention(now, last, row["stability"], row["pinned"])
                age = (now - (row["recorded_at"] or last)).total_seconds() / 86_400
                tier = tier_for(r, row["pinned"], age, self._policy).value
                if tier != row["tier"]:
                    updates.append({"id": row["id"], "tier": tier})
                    key = f"{row['tier']}->{tier}"
                    moves[key] = moves.get(key, 0) + 1
            self._store.update_many(updates)
        recompressed = self.recompress()
        if recompressed:
            moves["vectors re-encoded"] = recompressed
        consolidated = self.consolidate()
        if consolidated:
            moves["consolidated"] = consolidated
        self._store.compact()
        return moves

    def recompress(self, ids: Sequence[str] | None = None, *, chunk: int = 1024) -> int:
        """Give each memory the vector format its tier calls for: float32 when active,
        int8 when warm, sign bits when cold or archived (``memd.embedding.quantize``). Moving up
        re-embeds the text, so a restored memory's vector is exact again. One commit per
        chunk: an interrupted run leaves every row in one valid format or the other."""
        table = self._store.vector_columns(ids)
        dim = self._store.dim
        # Only rows whose format differs from their tier's are read into Python.
        fmt = pc.if_else(
            pc.is_valid(table.column("vector")),
            quantize.FLOAT32,
            pc.if_else(
                pc.equal(pc.binary_length(table.column("qvec")), 4 + dim), quantize.INT8, quantize.BINARY
            ),
        )
        tiers = pc.fill_null(table.column("tier"), "active")
        want_fmt = pc.if_else(
            pc.equal(tiers, "warm"),
            quantize.INT8,
            pc.if_else(pc.is_in(tiers, pa.array(["cold", "archived"])), quantize.BINARY, quantize.FLOAT32),
        )
        pending = pc.and_(pc.is_null(table.column("vector")), pc.is_null(table.column("qvec")))
        table = table.filter(pc.and_(pc.not_equal(fmt, want_fmt), pc.invert(pending)))
        todo: builtins.list[tuple[str, str, Any, bytes | None]] = []
        for id_, tier, vector, qvec in zip(
            table.column("id").to_pylist(),
            table.column("tier").to_pylist(),
            table.column("vector").to_pylist(),
            table.column("qvec").to_pylist(),
            strict=True,
        ):
            if vector is None and qvec is None:
                continue  # not embedded yet (embed_pending will)
            have = quantize.FLOAT32 if vector is not None else quantize.format_of(qvec, dim)
            want = quantize.FORMAT_BY_TIER.get(tier or "active", quantize.FLOAT32)
            if have != want:
                todo.append((id_, want, vector, qvec))
        done = 0
        for start in range(0, len(todo), chunk):
            part = todo[start : start + chunk]
            # Going up from bits to more precision needs the text: embed it again.
            again = [i for i, want, vector, qvec in part if vector is None and want != quantize.BINARY]
            fresh: dict[str, np.ndarray] = {}
            if again:
                texts = {r["id"]: r["text"] for r in self._store.get(again)}
                vecs = self._embedder.embed([texts[i] for i in again if i in texts])
                fresh = dict(zip([i for i in again if i in texts], vecs, strict=True))
            updates = []
            for id_, want, vector, qvec in part:
                full = fresh.get(id_)
                if full is None:
                    full = (
                        np.asarray(vector, dtype=np.float32)
                        if vector is not None
                        else quantize.decode(cast(bytes, qvec), dim)  # a row without a vector has a qvec
                    )
                updates.append(
                    {
                        "id": id_,
                        "vector": full.tolist() if want == quantize.FLOAT32 else None,
                        "qvec": quantize.encode(full, want),
                    }
                )
            with self._store.writing():
                self._store.update_many(updates)
            done += len(updates)
        return done

    def consolidate(
        self,
        *,
        min_age_days: float = 1.0,
        summarizer: Summarizer | None = None,
        max_episodes: int = 5_000,
    ) -> int:
        """Turn clusters of related episodes into semantic memories linked to them.

        Episodes younger than ``min_age_days`` wait (a session still going on is not
        yet knowledge); episodes consolidated once are not consolidated again. Sources
        are weakened, not deleted. Returns how many memories were created.
        """
        summarizer = summarizer or self._summarizer or ExtractiveSummarizer()
        now = self._clock.now()
        done = {dst for _, dst, rel in self._store.all_links() if rel == CONSOLIDATES}
        table = self._store.index_columns()
        cutoff = now - timedelta(days=min_age_days)
        # Each pass looks at a window of time after where the last one stopped (with an
        # overlap, since sessions straddle it), at most max_episodes: clustering is
        # quadratic, and 100k episodes every hour would keep two cores busy for minutes.
        checked = self._store.meta().get(CONSOLIDATION_MARK)
        overlap = max(CONSOLIDATION_OVERLAP, 2 * timedelta(days=min_age_days))
        # The window is over record time: an import of old sessions is new to consolidate.
        since = datetime.fromisoformat(checked) - overlap if checked else None
        names = ("id", "kind", "tier", "superseded_by", "created_at", "recorded_at")
        columns = {n: table.column(n).to_pylist() for n in names}
        recorded = [r or c for r, c in zip(columns["recorded_at"], columns["created_at"], strict=True)]
        picked: builtins.list[int] = [
            i
            for i, id_ in enumerate(columns["id"])
            if columns["kind"][i] == Kind.EPISODIC.value
            and columns["tier"][i] != Tier.ARCHIVED.value
            and columns["superseded_by"][i] is None
            and columns["created_at"][i] <= cutoff
            and (since is None or recorded[i] >= since)
            and id_ not in done
        ]
        picked.sort(key=lambda i: recorded[i])
        reached = now
        if len(picked) > max_episodes:
            picked = picked[:max_episodes]
            reached = recorded[picked[-1]]
        if len(picked) < 3:
            self._store.set_meta({CONSOLIDATION_MARK: reached.isoformat()})
            return 0
        sub = table.take(picked)
        n = sub.num_rows
        flat = sub.column("vector").combine_chunks().flatten().to_numpy(zero_copy_only=False)
        vectors = np.asarray(flat, dtype=np.float32).reshape(n, -1)
        episodes = [
            Episode(id=i, text="", project=p, created_at=c, entities=tuple(e or ()))
            for i, p, c, e in zip(
                sub.column("id").to_pylist(),
                sub.column("project").to_pylist(),
                sub.column("created_at").to_pylist(),
                sub.column("entities").to_pylist(),
                strict=True,
            )
        ]
        clusters = find_clusters(episodes, vectors)
        created = 0
        for cluster in clusters:
            texts = {r["id"]: r["text"] for r in self._store.get([m.id for m in cluster.members])}
            members = tuple(replace(m, text=texts.get(m.id, "")) for m in cluster.members)
            cluster = replace(cluster, members=members)
            with self._store.writing():
                record = self._writer.remember(
                    summarizer.summarize(cluster),
                    project=cluster.project,
                    kind=Kind.SEMANTIC,
                    tags=("consolidated",),
                    source="consolidation",
                    created_at=max(m.created_at for m in members),
                )
                self._store.add_links(
                    [
                        {"src": record.id, "dst": m.id, "relation": CONSOLIDATES, "created_at": now}
                        for m in members
                    ]
                )
                rows = self._store.get([m.id for m in members])
                self._store.update_many(
                    [{"id": r["id"], "stability": float(r["stability"]) * SOURCE_WEAKENING} for r in rows]
                )
            created += 1
        self._store.set_meta({CONSOLIDATION_MARK: reached.isoformat()})
        return created

    def restore(self, id: str) -> MemoryRecord:
        """Bring an archived (or faded) memory back to the active tier."""
        now = self._clock.now()
        with self._store.writing():
            row = self._lookup.row(id)
            self._store.update(
                row["id"], {"tier": Tier.ACTIVE.value, "last_recalled_at": now, "updated_at": now}
            )
            self.recompress([row["id"]])
        return self._lookup.get(row["id"])

    def reindex(self, *, progress: Progress | None = None) -> int:
        """Re-embed every memory with the current embedder (after a model change)."""
        with self._store.writing():
            rows = self._store.scan(Filter(include_archived=True), limit=None)
            if self._store.dim != self._embedder.dim:
                vectors: Any = self._embedder.embed([r["text"] for r in rows]) if rows else []
                for row, vec in zip(rows, vectors, strict=True):
                    row["vector"] = vec.tolist()
                self._store.rebuild(rows, self._embedder.name, self._embedder.dim)
                if progress is not None:
                    progress(len(rows), len(rows))
            else:
                total = len(rows)
                for start in range(0, total, EMBED_CHUNK):
                    chunk = rows[start : start + EMBED_CHUNK]
                    vectors = self._embedder.embed([r["text"] for r in chunk])
                    self._store.set_vectors({r["id"]: v for r, v in zip(chunk, vectors, strict=True)})
                    if progress is not None:
                        progress(start + len(chunk), total)
                self._store.set_model(self._embedder.name, self._embedder.dim)
            self._store.compact()
        return len(rows)
