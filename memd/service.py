"""The in-process implementation of :class:`memd.api.MemoryAPI`."""

from __future__ import annotations

import builtins
import itertools
import logging
import math
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from memd import quantize
from memd.api import Progress, When
from memd.briefing import Briefing, brief_project
from memd.clock import Clock
from memd.consolidate import Episode, ExtractiveSummarizer, Summarizer, find_clusters
from memd.embed import Embedder
from memd.errors import AmbiguousIdError, InvalidInputError, NotFoundError
from memd.filters import Filter, as_tuple
from memd.lifecycle import (
    Policy,
    initial_stability,
    ranking_weight,
    reinforced,
    retention,
    tier_for,
    update_overlap,
)
from memd.llm import QueryExpander
from memd.move import MoveResult, move_memories
from memd.records import ChannelScore, Hit, Kind, MemoryRecord, NewMemory, Source, Stats, Tier
from memd.rerank import Reranker
from memd.retrieval import MAX_QUERY_CHARS, MemoryIndex, Query, Retriever, keyword_terms
from memd.retrieval.fusion import explain
from memd.retrieval.index import Snapshot
from memd.sessions import attach_context
from memd.store import HIT_COLUMNS, Row, Store
from memd.text import (
    clean_author,
    clean_tags,
    clean_text,
    content_hash,
    extract_entities,
    new_id,
    parse_time,
)

MAX_K = 1_000
REINFORCE_TOP = 3  # hits of a recall that count as recalled
REINFORCE_BATCH = 64
# Memories at the top of this many different recalls together get a "co-recalled" link
# that spreading activation follows: what keeps being needed together is related even
# where the texts share no words (a bug and its fix). One question repeated (an agent
# polling) counts once. Pairs short of it are counted in RAM, the least recent dropped.
# Off by default (setting co_recall_links): over LoCoMo's independent questions asked
# three times, the links joined memories that match many questions and R@5 fell 0.660 ->
# 0.650 (0.654 at half the link weight), where without them it stays at 0.660.
CO_RECALLED = "co-recalled"
CO_RECALL_AFTER = 3
CO_RECALL_TRACKED = 10_000
CONFIRM_STRENGTH = 2.0  # storing the same content again confirms it
AUTO_SUPERSEDE_MAX_BATCH = 16
OUTDATED_CANDIDATES = 20
log = logging.getLogger(__name__)
_EMBED_CHUNK = 256
CONSOLIDATES = "consolidates"
# Consolidated episodes fade faster: the knowledge that summarises them carries on.
SOURCE_WEAKENING = 0.5
CONSOLIDATION_MARK = "consolidation_checked_until"
CONSOLIDATION_OVERLAP = timedelta(days=2)


def parse_kind(value: Kind | str | None, default: Kind = Kind.EPISODIC) -> Kind:
    if value is None or value == "":
        return default
    try:
        return Kind(str(value).strip().lower())
    except ValueError:
        raise InvalidInputError(
            f"unknown kind {value!r}",
            hint=f"Use one of: {', '.join(k.value for k in Kind)}.",
        ) from None


def _last_reinforced(row: Row) -> datetime:
    return row["last_recalled_at"] or row.get("recorded_at") or row["updated_at"]


def _linked(snap: Any, a: str, b: str, relation: str) -> bool:
    ra, rb = snap.row(a), snap.row(b)
    if ra is None or rb is None:
        return False
    return any(n == rb and rel == relation for n, rel, _ in snap.links.get(ra, ()))


def _record(row: Row) -> MemoryRecord:
    return MemoryRecord.from_row(row)


class MemoryService:
    """Remembers and recalls, holding the store, the embedder and the retriever."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        retriever: Retriever,
        clock: Clock,
        *,
        home: str,
        max_text_chars: int,
        default_project: str,
        compact_every: int = 32,
        policy: Policy | None = None,
        auto_supersede: bool = True,
        index: MemoryIndex,
        reranker: Reranker | None = None,
        rerank_top: int = 30,
        co_recall: bool = False,
        expander: QueryExpander | None = None,
        expand_vector: bool = False,
    ) -> None:
        self._store = store
        self._expander = expander
        self._expand_vector = expand_vector
        self._embedder = embedder
        self._retriever = retriever
        self._clock = clock
        self._home = home
        self._max_text_chars = max_text_chars
        self._default_project = default_project
        self._compact_every = compact_every
        self._writes_since_compact = 0
        self._compactor: threading.Thread | None = None
        self._policy = policy or Policy()
        self._auto_supersede = auto_supersede
        # The retrieval index's RAM columns give retention without a store read.
        self._index = index
        self._reranker = reranker
        self._rerank_top = rerank_top
        self._co_recall_links = co_recall
        self._last_episode: dict[str, tuple[str, str]] = {}  # project -> (id, text)
        # Reinforcements wait here and are written in one commit (a write per recall
        # would add a LanceDB version per query).
        # id -> (strength, when it was recalled): the flush may come much later.
        self._pending_reinforce: dict[str, tuple[float, datetime]] = {}
        self._reinforce_lock = threading.Lock()
        # (id, id) -> (recalls that returned both, hash of the last such query)
        self._co_recall: dict[tuple[str, str], tuple[int, int]] = {}
        self._pending_links: builtins.list[Row] = []

    def warm(self) -> None:
        """Do now what the first recall would otherwise wait for (the daemon calls it
        at start): measuring the relevance gate's level embeds two dozen sentences."""
        gate = self._retriever.gate
        if gate is not None:
            gate.level(self._embedder)

    @property
    def store(self) -> Store:
        return self._store

    @property
    def retriever(self) -> Retriever:
        return self._retriever

    # -- writing ---------------------------------------------------------------------
    def _prepare(self, item: NewMemory, now: datetime) -> Row:
        text = clean_text(item.text, max_chars=self._max_text_chars)
        kind = parse_kind(item.kind)
        project = (item.project or self._default_project).strip()
        if not project or len(project) > 200:
            raise InvalidInputError("project must be 1-200 characters", hint="Pass a short project name.")
        importance = 0.5 if item.importance is None else float(item.importance)
        if not 0.0 <= importance <= 1.0:
            raise InvalidInputError(
                f"importance {importance} is outside 0..1", hint="Use a number from 0 to 1."
            )
        created = parse_time(item.created_at, field="created_at") or now
        return {
            "id": new_id(),
            "text": text,
            "kind": kind.value,
            "project": project,
            "tags": list(clean_tags(item.tags)),
            "entities": list(extract_entities(text)),
            "source": item.source or Source.API.value,
            "source_id": item.source_id,
            "created_at": created,
            "updated_at": now,
            "last_recalled_at": None,
            "recall_count": 0,
            "importance": importance,
            "stability": initial_stability(kind, importance),
            "pinned": bool(item.pinned),
            "tier": Tier.ACTIVE.value,
            "superseded_by": None,
            "content_hash": content_hash(text),
            "recorded_at": now,
            "valid_to": None,
            "author": clean_author(item.author),
        }

    def remember(
        self,
        text: str,
        *,
        project: str | None = None,
        kind: Kind | str | None = None,
        tags: Sequence[str] = (),
        source: str | None = None,
        source_id: str | None = None,
        created_at: When = None,
        importance: float | None = None,
        pinned: bool = False,
        supersedes: str | None = None,
        author: str | None = None,
    ) -> MemoryRecord:
        """Store one memory; with ``supersedes``, it replaces that older memory.

        The old memory is kept (history) with ``superseded_by`` pointing here, and
        recall leaves it out unless asked for archived memories.
        """
        if not isinstance(text, str):
            clean_text(text, max_chars=self._max_text_chars)  # raises the precise error
        # Under the write lock: the memory replaced cannot change between reading it and
        # writing its successor.
        with self._store.writing():
            old = self.get(supersedes) if supersedes is not None else None
            item = NewMemory(
                text=text,
                project=project or (old.project if old else None),
                kind=kind or (old.kind if old else None),
                tags=(tags,) if isinstance(tags, str) else tuple(tags or (old.tags if old else ())),
                source=source,
                source_id=source_id or (old.source_id if old else None),
                created_at=created_at,
                importance=old.importance if old and importance is None else importance,
                pinned=pinned or bool(old and old.pinned),
                author=author or (old.author if old else None),
            )
            rows = self.prepare_many([item])
            ids = self.write_prepared(rows, supersede={rows[0]["id"]: old.id} if old else None)
        return self.get(ids[0])

    def remember_many(
        self,
        items: Iterable[NewMemory | Mapping[str, Any]],
        *,
        progress: Progress | None = None,
    ) -> list[str]:
        """Store many memories with batched embedding.

        Everything is validated before anything is written, so one bad item
        leaves the store untouched. Returns one id per item, in order; an item
        whose content the project already holds returns the existing id.
        """
        return self.write_prepared(self.prepare_many(items), progress=progress)

    def prepare_many(self, items: Iterable[NewMemory | Mapping[str, Any]]) -> builtins.list[Row]:
        """Validate and complete items into rows (ids, times, hashes), writing nothing.

        The daemon journals these rows before writing them, so a replay after a
        crash stores exactly what was acknowledged, under the same ids.
        """
        now = self._clock.now()
        rows: list[Row] = []
        for n, item in enumerate(items):
            try:
                parsed = item if isinstance(item, NewMemory) else NewMemory.model_validate(item)
                rows.append(self._prepare(parsed, now))
            except InvalidInputError as exc:
                raise type(exc)(f"item {n}: {exc.message}", hint=exc.hint) from None
            except ValueError as exc:  # pydantic's ValidationError
                raise InvalidInputError(
                    f"item {n}: {exc}", hint="Each item needs at least a 'text' string."
                ) from None
        return rows

    def write_prepared(
        self,
        rows: builtins.list[Row],
        *,
        progress: Progress | None = None,
        embed: bool = True,
        supersede: Mapping[str, str] | None = None,
    ) -> builtins.list[str]:
        """Embed and store prepared rows; identical content already stored is reused.

        ``embed=False`` stores them without vectors (keyword-searchable at once); the
        caller then runs :meth:`embed_pending` — the daemon does, after acknowledging.
        ``supersede`` maps a row's id to the memory it replaces.
        """
        if not rows:
            return []
        out: list[str] = [""] * len(rows)
        with self._store.writing():
            fresh: list[tuple[int, Row]] = []
            first_of: dict[tuple[str, str], str] = {}
            by_project: dict[str, list[int]] = {}
            for i, row in enumerate(rows):
                by_project.setdefault(row["project"], []).append(i)
            for project, idx in by_project.items():
                existing = self._store.find_hashes(project, [rows[i]["content_hash"] for i in idx])
                for i in idx:
                    key = (project, rows[i]["content_hash"])
                    known = existing.get(key[1]) or first_of.get(key)
                    if known:
                        out[i] = known
                        if existing.get(key[1]):
                            self._note_reinforcement(known, CONFIRM_STRENGTH)  # said again
                    else:
                        first_of[key] = rows[i]["id"]
                        out[i] = rows[i]["id"]
                        fresh.append((i, rows[i]))
            fresh.sort()
            # old id -> new id; asked for first, then a section's new version, then facts.
            replaced: dict[str, str] = {}
            for i, row in enumerate(rows):
                old_id = (supersede or {}).get(row["id"])
                if old_id is not None:
                    if out[i] == old_id:
                        raise InvalidInputError(
                            "the new text is the same as the memory it would supersede",
                            hint="Change the text, or leave the memory as it is.",
                        )
                    replaced[old_id] = out[i]
            for old_id, new_id in self._replaced_by_source_id([row for _, row in fresh]).items():
                replaced.setdefault(old_id, new_id)
            if self._auto_supersede and len(fresh) <= AUTO_SUPERSEDE_MAX_BATCH:  # not bulk imports
                for _, row in fresh:
                    old_id = self._outdated_by(row)
                    if old_id is not None and old_id not in replaced:
                        replaced[old_id] = row["id"]
            now = self._clock.now()
            retired: dict[str, list[Row]] = {}
            for old_id, new_id in replaced.items():
                retired.setdefault(new_id, []).append(
                    {"id": old_id, "superseded_by": new_id, "updated_at": now, "valid_to": now}
                )
            self._attach_context([row for _, row in fresh])
            total = len(fresh)
            for start in range(0, total, _EMBED_CHUNK):
                chunk = [row for _, row in fresh[start : start + _EMBED_CHUNK]]
                if embed:
                    vectors = self._embedder.embed([r["text"] for r in chunk])
                    for row, vec in zip(chunk, vectors, strict=True):
                        row["vector"] = vec.tolist()
                else:
                    for row in chunk:
                        row["vector"] = None
                # A new version and the old one it replaces change in one commit.
                self._store.add(chunk, [u for row in chunk for u in retired.pop(row["id"], ())])
                if progress is not None:
                    progress(min(start + len(chunk), total), total)
            # Left: an old memory replaced by content already stored (nothing new to pair with).
            self._store.update_many([u for updates in retired.values() for u in updates])
            self._store.add_links(
                [
                    {"src": n, "dst": o, "relation": "supersedes", "created_at": now}
                    for o, n in replaced.items()
                ]
            )
            self._after_writes(len(fresh))
        return out

    def embed_pending(self, ids: Sequence[str] | None = None) -> int:
        """Embed memories stored without a vector (all of them when ``ids`` is None:
        after a crash between a write and its embedding). Returns how many."""
        table = self._store.vector_columns(ids)
        # Arrow masks, not Python lists: at 100k rows this runs at every daemon start.
        none = pc.and_(pc.is_null(table.column("vector")), pc.is_null(table.column("qvec")))
        missing = table.filter(none).column("id").to_pylist()
        for start in range(0, len(missing), _EMBED_CHUNK):
            self.embed_rows(self._store.get(missing[start : start + _EMBED_CHUNK]))
        return len(missing)

    def embed_rows(self, rows: Sequence[Row]) -> None:
        """Compute and store the vectors of rows already written without one."""
        if rows:
            vectors = self._embedder.embed([r["text"] for r in rows])
            self._store.set_vectors({r["id"]: v.tolist() for r, v in zip(rows, vectors, strict=True)})

    def _replaced_by_source_id(self, rows: builtins.list[Row]) -> dict[str, str]:
        """Old memory id -> new memory id, for new content under a known source_id.

        A caller's id names one thing (a doc section, a session): its new text is a
        new version of that thing, so it supersedes the old one instead of sitting
        beside it.
        """
        out: dict[str, str] = {}
        by_project: dict[str, builtins.list[Row]] = {}
        for row in rows:
            if row["source_id"]:
                by_project.setdefault(row["project"], []).append(row)
        for project, group in by_project.items():
            known = self._store.find_source_ids(project, [r["source_id"] for r in group])
            for row in group:  # the last row with a source_id wins within one batch
                old = known.get(row["source_id"])
                if old is not None:
                    out[old] = row["id"]
                known[row["source_id"]] = row["id"]
        return {old: new for old, new in out.items() if old != new}

    def _outdated_by(self, row: Row) -> str | None:
        """The current memory that ``row`` updates (same subject, new value), if any.

        Episodes never replace each other and caller-keyed rows are versioned by their
        source_id, so only facts, procedures, preferences and decisions are checked.
        """
        if row["kind"] == Kind.EPISODIC.value or row["source_id"]:
            return None
        flt = Filter(projects=(row["project"],), kinds=(row["kind"],), include_superseded=False)
        terms = keyword_terms(row["text"])
        if not terms:
            return None
        # The new value weighs in BM25 too, so other subjects with that value can rank
        # above the old version of this one: look wider, keep the closest restatement.
        found = [cand_id for cand_id, _ in self._store.keyword(terms, OUTDATED_CANDIDATES, flt)]
        best, best_overlap = None, 0
        for cand in self._store.get(found):
            overlap = update_overlap(cand["text"], row["text"])
            if overlap > best_overlap:
                best, best_overlap = cand["id"], overlap
        return best

    def _after_writes(self, n: int) -> None:
        """Compact in the background once enough writes piled up.

        Every write adds a fragment and every query visits each fragment: at 200
        fragments a lookup takes 40 ms instead of 5. Compaction costs 60-130 ms,
        so it runs on a worker thread and a writer never waits for it.
        """
        self._writes_since_compact += n
        if self._writes_since_compact < self._compact_every:
            return
        if self._compactor is not None and self._compactor.is_alive():
            return
        self._writes_since_compact = 0
        self._compactor = threading.Thread(target=self._compact_quietly, name="memd-compact", daemon=True)
        self._compactor.start()

    def _compact_quietly(self) -> None:
        try:
            self._store.compact()
        except Exception:  # noqa: BLE001 - the next compaction retries; data is safe
            log.warning("background compaction failed", exc_info=True)

    # -- reading ---------------------------------------------------------------------
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
        if self._expander is not None:
            q.expansion = self._expander.expand(q.text)
            q.expansion_in_vector = self._expand_vector
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
        reading = max(int(k), self._rerank_top) if self._reranker is not None else int(k)
        top = scored[:reading]
        rows = self._hit_rows(snap, [f.id for _, f in top], at)
        top = [(score, f) for score, f in top if f.id in rows]
        channels = {f.id: explain(f) for _, f in top}
        if self._reranker is not None and top:
            relevance = self._reranker.score(q.text, [rows[f.id]["text"] for _, f in top])
            order = np.argsort(-relevance, kind="stable")
            reranked = []
            for rank, j in enumerate(order, start=1):
                score, f = top[j]
                channels[f.id]["rerank"] = ChannelScore.model_construct(score=float(relevance[j]), rank=rank)
                strength = score / f.score if f.score > 0 else 1.0  # the retention factor
                reranked.append((strength / (1.0 + math.exp(-float(relevance[j]))), f))
            top = sorted(reranked, key=lambda t: (-t[0], t[1].id))
        hits = [
            Hit(memory=_record(rows[f.id]), score=score, channels=channels[f.id])
            for score, f in top[: int(k)]
        ]
        for hit in hits[:REINFORCE_TOP]:
            self._note_reinforcement(hit.id, 1.0)
        if self._co_recall_links:
            self._note_co_recall(q.text, [hit.id for hit in hits[:REINFORCE_TOP]])
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

    # -- lifecycle -------------------------------------------------------------------
    def _note_reinforcement(self, id: str, strength: float) -> None:
        with self._reinforce_lock:
            before = self._pending_reinforce.get(id)
            when = self._clock.now()
            self._pending_reinforce[id] = (max(strength, before[0]) if before else strength, when)
            due = len(self._pending_reinforce) >= REINFORCE_BATCH
        if due:
            self.flush_reinforcements()

    def _attach_context(self, rows: builtins.list[Row]) -> None:
        """What the full-text index will read for each new row (memd.sessions): a new
        episode follows the latest stored one of its project when they are close."""
        episodes = [r for r in rows if r["kind"] == Kind.EPISODIC.value]
        latest = {r["project"]: self._index.last_episode(r["project"]) for r in episodes}
        # The text of the episode written last in each project is kept from its write:
        # reading it back would cost every remember a LanceDB lookup (7 ms at 100k).
        texts = {i: t for i, t in self._last_episode.values()}
        wanted = [v[0] for v in latest.values() if v is not None and v[0] not in texts]
        if wanted:
            texts |= {r["id"]: r["text"] for r in self._store.get(wanted)}
        before = {p: (v[1], texts[v[0]]) for p, v in latest.items() if v is not None and v[0] in texts}
        attach_context(rows, before)
        for r in episodes:  # in write order, as the index takes them
            self._last_episode[r["project"]] = (r["id"], r["text"])

    def _note_co_recall(self, query: str, ids: Sequence[str]) -> None:
        if len(ids) < 2:
            return
        snap = self._index.snapshot()
        asked = hash(query.casefold())
        with self._reinforce_lock:
            for a, b in itertools.combinations(sorted(ids), 2):
                count, last = self._co_recall.pop((a, b), (0, None))
                if last != asked:
                    count += 1
                if count < CO_RECALL_AFTER:
                    self._co_recall[(a, b)] = (count, asked)  # re-inserted: now the most recent
                elif not _linked(snap, a, b, CO_RECALLED):
                    self._pending_links.append(
                        {"src": a, "dst": b, "relation": CO_RECALLED, "created_at": self._clock.now()}
                    )
            while len(self._co_recall) > CO_RECALL_TRACKED:
                del self._co_recall[next(iter(self._co_recall))]

    def flush_reinforcements(self) -> int:
        """Write pending recalls and confirmations: stability grows, the clock restarts;
        and the links between memories recalled together."""
        with self._reinforce_lock:
            pending, self._pending_reinforce = self._pending_reinforce, {}
            links, self._pending_links = self._pending_links, []
        if links:
            unique = {(x["src"], x["dst"]): x for x in links}
            with self._store.writing():
                self._store.add_links(list(unique.values()))
        if not pending:
            return 0
        with self._store.writing():
            updates = []
            for row in self._store.get(list(pending)):
                strength, when = pending[row["id"]]
                r = retention(when, _last_reinforced(row), row["stability"], row["pinned"])
                updates.append(
                    {
                        "id": row["id"],
                        "stability": reinforced(row["stability"], r, self._policy, strength),
                        "last_recalled_at": when,
                        "recall_count": int(row["recall_count"] or 0) + 1,
                    }
                )
            self._store.update_many(updates)
        # A merge adds fragments like any write; left alone they slow every read.
        self._after_writes(len(updates))
        return len(updates)

    def maintain(self) -> dict[str, int]:
        """Decay and tier moves for every memory, then compaction. Safe to interrupt:
        each step is one commit and running it again continues where it stopped."""
        self.flush_reinforcements()
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
        int8 when warm, sign bits when cold or archived (``memd.quantize``). Moving up
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
                        else quantize.decode(qvec, dim)
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
        summarizer = summarizer or ExtractiveSummarizer()
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
                record = self.remember(
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
            row = self._row(id)
            self._store.update(
                row["id"], {"tier": Tier.ACTIVE.value, "last_recalled_at": now, "updated_at": now}
            )
            self.recompress([row["id"]])
        return self.get(row["id"])

    def _resolve(self, id: str) -> str:
        return self._row(id)["id"]

    def _row(self, id: str) -> Row:
        if not isinstance(id, str) or not id.strip():
            raise InvalidInputError("the id is empty", hint="Pass a memory id from `memd list`.")
        id = id.strip()
        rows = self._store.get([id])
        if rows:
            return rows[0]
        if len(id) >= 4:
            matches = self._store.ids_with_prefix(id, limit=2)
            if len(matches) == 1:
                return self._store.get(matches)[0]
            if len(matches) > 1:
                raise AmbiguousIdError(f"the id prefix {id!r} matches several memories")
        raise NotFoundError(f"no memory has the id {id!r}")

    def get(self, id: str) -> MemoryRecord:
        return _record(self._row(id))

    def forget(self, id: str, *, purge: bool = False) -> MemoryRecord:
        """Archive a memory (recoverable), or with ``purge`` remove it for good."""
        with self._store.writing():
            record = self.get(id)
            if purge:
                # Nothing of a purged memory may stay behind, in RAM either.
                self._last_episode = {p: v for p, v in self._last_episode.items() if v[0] != record.id}
                self._store.delete([record.id])
                self._store.compact(drop_history=True)
            else:
                self._store.update(record.id, {"tier": Tier.ARCHIVED.value, "updated_at": self._clock.now()})
        return record if purge else self.get(record.id)

    def history(self, id: str) -> builtins.list[MemoryRecord]:
        """The supersession chain through a memory, oldest first."""
        record = self.get(id)
        chain = [record]
        seen = {record.id}
        # Walk back through what this memory superseded, then forward to what replaced it.
        while True:
            older = [
                link["dst"]
                for link in self._store.links_of([chain[0].id])
                if link["relation"] == "supersedes" and link["src"] == chain[0].id and link["dst"] not in seen
            ]
            if not older:
                break
            chain.insert(0, self.get(older[0]))
            seen.add(older[0])
        while chain[-1].superseded_by and chain[-1].superseded_by not in seen:
            nxt = self.get(chain[-1].superseded_by)
            chain.append(nxt)
            seen.add(nxt.id)
        return chain

    def archive_sources(self, project: str, prefix: str, keep: Iterable[str] = ()) -> int:
        """Archive the current memories of ``project`` whose source_id starts with
        ``prefix``, except those in ``keep`` (a deleted file, its removed sections)."""
        keep = set(keep)
        with self._store.writing():
            found = self._store.find_source_prefix(project, prefix)
            gone = [mid for sid, mid in found.items() if sid not in keep]
            now = self._clock.now()
            for mid in gone:
                self._store.update(mid, {"tier": Tier.ARCHIVED.value, "updated_at": now})
        return len(gone)

    def move(self, ids: Sequence[str] = (), *, project: str, from_project: str | None = None) -> MoveResult:
        """Move memories (or a whole project's) to ``project``: see :mod:`memd.move`."""
        return move_memories(
            self._store, self._clock.now(), self._resolve, project=project, ids=ids, from_project=from_project
        )

    def pin(self, id: str, pinned: bool = True) -> MemoryRecord:
        """Pinned memories never fade and lead every project briefing."""
        with self._store.writing():
            record = self.get(id)
            self._store.update(record.id, {"pinned": pinned, "updated_at": self._clock.now()})
        return self.get(record.id)

    def link(self, a: str, b: str, relation: str = "related") -> None:
        """Record that two memories belong together (retrieval follows such links)."""
        relation = (relation or "related").strip().lower()
        if not relation.replace("-", "").replace("_", "").isalnum() or len(relation) > 40:
            raise InvalidInputError(
                f"relation {relation!r} is not allowed",
                hint="Use a short word such as related, causes, fixes or part-of.",
            )
        with self._store.writing():
            src, dst = self.get(a), self.get(b)
            if src.id == dst.id:
                raise InvalidInputError("a memory cannot be linked to itself", hint="Pass two different ids.")
            self._store.add_links(
                [
                    {
                        "src": src.id,
                        "dst": dst.id,
                        "relation": relation,
                        "created_at": self._clock.now(),
                    }
                ]
            )

    def links(self, id: str) -> builtins.list[dict[str, str]]:
        record = self.get(id)
        return [
            {"src": link["src"], "dst": link["dst"], "relation": link["relation"]}
            for link in self._store.links_of([record.id])
        ]

    def context(self, project: str | None = None, *, max_tokens: int = 1500) -> Briefing:
        """A briefing for ``project``: pinned rules, conventions, decisions, open problems."""
        return brief_project(self._store, (project or self._default_project).strip(), max_tokens)

    def list(
        self,
        *,
        project: str | None = None,
        kinds: Sequence[Kind | str] | None = None,
        limit: int | None = 20,
        include_archived: bool = False,
    ) -> builtins.list[MemoryRecord]:
        flt = Filter(
            projects=as_tuple(project),
            kinds=tuple(parse_kind(x).value for x in kinds or ()),
            include_archived=include_archived,
            include_superseded=include_archived,
        )
        return [_record(r) for r in self._store.scan(flt, limit=limit)]

    def stats(self) -> Stats:
        meta = self._store.meta()
        return Stats(
            home=self._home,
            store=self._store.location,
            schema_version=int(meta["schema_version"]),
            embed_model=meta["embed_model"],
            embed_dim=int(meta["embed_dim"]),
            device=self._embedder.device,
            total=self._store.count(),
            by_project=self._store.counts_by("project"),
            by_kind=self._store.counts_by("kind"),
            by_tier=self._store.counts_by("tier"),
        )

    def reindex(self, *, progress: Progress | None = None) -> int:
        """Re-embed every memory with the current embedder (after a model change)."""
        with self._store.writing():
            rows = self._store.scan(Filter(include_archived=True), limit=None)
            if self._store.dim != self._embedder.dim:
                vectors = self._embedder.embed([r["text"] for r in rows]) if rows else []
                for row, vec in zip(rows, vectors, strict=True):
                    row["vector"] = vec.tolist()
                self._store.rebuild(rows, self._embedder.name, self._embedder.dim)
                if progress is not None:
                    progress(len(rows), len(rows))
            else:
                total = len(rows)
                for start in range(0, total, _EMBED_CHUNK):
                    chunk = rows[start : start + _EMBED_CHUNK]
                    vectors = self._embedder.embed([r["text"] for r in chunk])
                    self._store.set_vectors({r["id"]: v for r, v in zip(chunk, vectors, strict=True)})
                    if progress is not None:
                        progress(start + len(chunk), total)
                self._store.set_model(self._embedder.name, self._embedder.dim)
            self._store.compact()
        return len(rows)

    def compact(self) -> None:
        self._store.compact()

    def close(self) -> None:
        self.flush_reinforcements()
        if self._compactor is not None:
            self._compactor.join()
            self._compactor = None
        if self._writes_since_compact:
            self._store.compact()
            self._writes_since_compact = 0
