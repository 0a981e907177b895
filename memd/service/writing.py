"""The write path: validate and complete, deduplicate, supersede, embed, store.

Where a supersession is written: :meth:`Writer.write_prepared` pairs each new version with
the retirement of the memory it replaces, and the store writes both in one commit.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow.compute as pc

from memd.anchors.model import Anchor, dump_anchors, load_anchors
from memd.api import Progress, When
from memd.clock import Clock
from memd.embedding import Embedder
from memd.errors import InvalidInputError
from memd.guard import with_flags
from memd.lifecycle import initial_stability, update_overlap
from memd.records import Kind, MemoryRecord, NewMemory, Source, Tier, parse_kind
from memd.retrieval import MemoryIndex, keyword_terms
from memd.service.compaction import Compactor
from memd.service.lookup import Lookup
from memd.service.reinforcement import Reinforcements
from memd.sessions import attach_context
from memd.store import Row, Store
from memd.store.filters import Filter
from memd.text import (
    clean_author,
    clean_tags,
    clean_text,
    content_hash,
    extract_entities,
    new_id,
    parse_time,
)

CONFIRM_STRENGTH = 2.0  # storing the same content again confirms it
AUTO_SUPERSEDE_MAX_BATCH = 16
OUTDATED_CANDIDATES = 20
EMBED_CHUNK = 256


@dataclass(frozen=True)
class WriteRules:
    max_text_chars: int
    default_project: str
    # A new fact with the same subject and a new value replaces the old one.
    auto_supersede: bool = True


class Writer:
    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        index: MemoryIndex,
        clock: Clock,
        lookup: Lookup,
        reinforcements: Reinforcements,
        compactor: Compactor,
        rules: WriteRules,
    ) -> None:
        self._store = store
        self._embedder = embedder
        self._index = index
        self._clock = clock
        self._lookup = lookup
        self._reinforcements = reinforcements
        self._compactor = compactor
        self._rules = rules
        self._last_episode: dict[str, tuple[str, str]] = {}  # project -> (id, text)

    @property
    def default_project(self) -> str:
        return self._rules.default_project

    def _prepare(self, item: NewMemory, now: datetime) -> Row:
        text = clean_text(item.text, max_chars=self._rules.max_text_chars)
        kind = parse_kind(item.kind)
        project = (item.project or self._rules.default_project).strip()
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
            "tags": with_flags(list(clean_tags(item.tags)), text),
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
            "anchors": dump_anchors(item.anchors),
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
        anchors: Sequence[Anchor | Mapping[str, Any]] = (),
    ) -> MemoryRecord:
        """Store one memory; with ``supersedes``, it replaces that older memory.

        The old memory is kept (history) with ``superseded_by`` pointing here, and
        recall leaves it out unless asked for archived memories.
        """
        if not isinstance(text, str):
            clean_text(text, max_chars=self._rules.max_text_chars)  # raises the precise error
        # Under the write lock: the memory replaced cannot change between reading it and
        # writing its successor.
        with self._store.writing():
            old = self._lookup.get(supersedes) if supersedes is not None else None
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
                # A new version of a memory about code describes the same code unless told.
                anchors=load_anchors(list(anchors)) or (old.anchors if old else ()),
            )
            rows = self.prepare_many([item])
            ids = self.write_prepared(rows, supersede={rows[0]["id"]: old.id} if old else None)
        return self._lookup.get(ids[0])

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
                            self._reinforcements.note(known, CONFIRM_STRENGTH)  # said again
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
            if self._rules.auto_supersede and len(fresh) <= AUTO_SUPERSEDE_MAX_BATCH:  # not bulk imports
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
            # A version replaced by a later row of this same batch is written retired: an
            # update cannot reach a row the same commit adds.
            in_batch = {row["id"]: row for _, row in fresh}
            for new_id, updates in retired.items():
                for u in [u for u in updates if u["id"] in in_batch]:
                    in_batch[u["id"]].update(superseded_by=new_id, valid_to=now)
                retired[new_id] = [u for u in updates if u["id"] not in in_batch]
            self._attach_context([row for _, row in fresh])
            total = len(fresh)
            for start in range(0, total, EMBED_CHUNK):
                chunk = [row for _, row in fresh[start : start + EMBED_CHUNK]]
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
            self._compactor.after_writes(len(fresh))
        return out

    def embed_pending(self, ids: Sequence[str] | None = None) -> int:
        """Embed memories stored without a vector (all of them when ``ids`` is None:
        after a crash between a write and its embedding). Returns how many."""
        table = self._store.vector_columns(ids)
        # Arrow masks, not Python lists: at 100k rows this runs at every daemon start.
        none = pc.and_(pc.is_null(table.column("vector")), pc.is_null(table.column("qvec")))
        missing = table.filter(none).column("id").to_pylist()
        for start in range(0, len(missing), EMBED_CHUNK):
            self.embed_rows(self._store.get(missing[start : start + EMBED_CHUNK]))
        return len(missing)

    def embed_rows(self, rows: Sequence[Row]) -> None:
        """Compute and store the vectors of rows already written without one."""
        if rows:
            vectors = self._embedder.embed([r["text"] for r in rows])
            self._store.set_vectors({r["id"]: v.tolist() for r, v in zip(rows, vectors, strict=True)})

    def forget_cached(self, id: str) -> None:
        """Drop what this writer keeps in RAM of a memory being purged."""
        self._last_episode = {p: v for p, v in self._last_episode.items() if v[0] != id}

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
