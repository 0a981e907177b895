"""Everything retrieval reads on every query, held in RAM as arrays.

Vectors, filter columns, the entity inverted index, session neighbours and links:
numpy over 100k rows answers in a few ms where a LanceDB scan takes 190 ms.

Keeping it current: the store reports every write it makes (:class:`StoreChange`)
and the index applies it in place — an append costs what the appended rows cost,
not a reload of 100k rows. A version the index did not see change (another
process wrote, a delete, a rebuild) triggers a full reload on the next search.

Readers take one :class:`Snapshot` and use only it, so a write applied meanwhile
never shows them arrays of different lengths.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from memd.embedding.quantize import decode
from memd.retrieval.flat import Ids, Ragged
from memd.retrieval.ivf import IVF_MIN_ROWS, ROWS_PER_LIST, Ivf, assign, kmeans
from memd.retrieval.snapshot import (
    CONSOLIDATES,
    MIRRORED,
    NULL_US,
    TEXT_FIELDS,
    TIME_FIELDS,
    Links,
    Snapshot,
    columns_of,
    empty_snapshot,
    entities_of,
    knowledge_of,
    mirrored,
    shared_strings,
    us_of,
)
from memd.retrieval.vectors import VectorBuffer, Vectors
from memd.sessions import EPISODIC, SESSION_GAP_US
from memd.store import Store, StoreChange

log = logging.getLogger(__name__)

__all__ = ["CONSOLIDATES", "MemoryIndex", "Snapshot"]


class MemoryIndex:
    def __init__(self, store: Store, *, ivf_min_rows: int = IVF_MIN_ROWS) -> None:
        self._store = store
        self._ivf_min_rows = ivf_min_rows
        self._lock = threading.Lock()
        self._version: tuple[int, int] | None = None
        self._snap = empty_snapshot(store.dim)
        self._buffer = VectorBuffer(self._snap.matrix)
        # Last row per project / per file: where a new memory's neighbours are.
        self._last_in_project: dict[str, tuple[int, int]] = {}
        self._source_ids: list[str | None] = []
        self._last_in_file: dict[tuple[str, str], int] = {}
        subscribe = getattr(store, "subscribe", None)
        if subscribe is not None:
            subscribe(self._on_change)

    def snapshot(self) -> Snapshot:
        """The current state, reloaded first if the store moved without telling us."""
        version = self._store.versions()
        if self._version is not None and version != self._version and self._write_reported():
            # A write of this process is committing: its report will bring the change in
            # place, a full reload now (seconds at 100k) would only race it.
            return self._snap
        if version != self._version or self._needs_lists():
            with self._lock:
                if version != self._version or self._needs_lists():
                    started = time.perf_counter()
                    self._load()
                    self._version = version
                    log.info(
                        "index loaded: %d memories in %.2f s (store version %s)",
                        len(self._snap),
                        time.perf_counter() - started,
                        version[0],
                    )
        return self._snap

    def last_episode(self, project: str) -> tuple[str, int] | None:
        """The id and time (µs) of ``project``'s latest episode, the one a new episode
        would follow in its session."""
        snap = self.snapshot()
        last = self._last_in_project.get(project)
        if last is None or last[0] >= len(snap):
            return None
        return snap.ids[last[0]], last[1]

    def _write_reported(self) -> bool:
        pending = getattr(self._store, "reporting_write", None)
        return bool(pending and pending())

    def _needs_lists(self) -> bool:
        """Time to (re)build the inverted lists: the store grew past the exact-scan size,
        or the rows appended since the last build (scanned exactly) outgrew half of it."""
        snap = self._snap
        if snap.ivf is None:
            return len(snap) >= self._ivf_min_rows
        return len(snap) - snap.ivf.start > snap.ivf.start // 2

    # -- full load -------------------------------------------------------------------------
    def _load(self) -> None:
        table = self._store.index_columns()
        n = table.num_rows
        snap = empty_snapshot(self._store.dim)
        self._buffer = VectorBuffer(snap.matrix)
        self._last_in_project, self._last_in_file = {}, {}
        self._source_ids = []
        self._snap = snap
        if n == 0:
            self._snap = replace(snap, links=self._load_links(Ids([])))
            return
        # Column work stays in Arrow and numpy: at 100k memories a row-by-row load took 7 s.
        vectors = (
            table.column("vector").combine_chunks().flatten().to_numpy(zero_copy_only=False).reshape(n, -1)
        )
        ivf: Ivf | None = None
        if n >= self._ivf_min_rows:
            centroids = kmeans(vectors, max(16, n // ROWS_PER_LIST))
            labels = assign(vectors, centroids)
            order = np.argsort(labels, kind="stable")
            counts = np.bincount(labels, minlength=len(centroids))
            ends = np.cumsum(counts)
            ivf = Ivf(centroids=centroids, bounds=np.stack([ends - counts, ends], axis=1), start=n)
        else:
            order = np.arange(n)
        position = np.empty(n, dtype=np.int64)  # old row -> new row
        position[order] = np.arange(n)

        def column(name: str) -> pa.ChunkedArray:
            return table.column(name)

        def numpy(values: Any) -> np.ndarray:
            return np.asarray(values.to_numpy(zero_copy_only=False))[order]

        ids = Ids(np.array(column("id").to_pylist(), dtype=object)[order])
        projects = column("project").combine_chunks().dictionary_encode()
        project_names = projects.dictionary.to_pylist()
        project_code = np.asarray(projects.indices.to_numpy(zero_copy_only=False), dtype=np.int32)[order]
        kinds = column("kind").combine_chunks().dictionary_encode()
        kind = np.array(kinds.dictionary.to_pylist(), dtype=object)[
            kinds.indices.to_numpy(zero_copy_only=False)
        ]
        cols = {
            "project": np.array(project_names, dtype=object)[project_code],
            "project_code": project_code,
            "kind": kind[order],
            "created_us": numpy(column("created_at").cast(pa.int64())).astype(np.int64),
            "archived": numpy(pc.fill_null(pc.equal(column("tier"), "archived"), False)).astype(bool),
            "superseded": numpy(pc.is_valid(column("superseded_by"))).astype(bool),
            "pinned": numpy(pc.fill_null(column("pinned"), False)).astype(bool),
            "stability": numpy(pc.fill_null(column("stability"), 1.0)).astype(np.float32),
            "last_us": numpy(
                pc.coalesce(column("last_recalled_at"), column("recorded_at"), column("updated_at")).cast(
                    pa.int64()
                )
            ).astype(np.int64),
            **{f"rec:{f}": numpy(pc.fill_null(column(f).cast(pa.int64()), NULL_US)) for f in TIME_FIELDS},
            **{f"rec:{f}": shared_strings(column(f))[order] for f in TEXT_FIELDS},
            "words": numpy(pc.fill_null(column("words"), 0)).astype(np.int32),
            "rec:recall_count": numpy(pc.fill_null(column("recall_count"), -1)).astype(np.int32),
            "rec:importance": numpy(pc.fill_null(column("importance"), np.nan)).astype(np.float32),
        }
        entity_rows, row_entities = entities_of(column("entities").combine_chunks(), position, n)
        source_ids = np.array(column("source_id").to_pylist(), dtype=object)[order]
        self._source_ids = source_ids.tolist()
        neighbours = self._bulk_neighbours(
            cols["project"], project_code, cols["created_us"], self._source_ids, cols["kind"] == EPISODIC
        )
        self._buffer = VectorBuffer(Vectors.of(vectors[order]))
        del vectors
        self._snap = Snapshot(
            ids=ids,
            matrix=self._buffer.view(),
            cols=cols,
            entity_rows=entity_rows,
            row_entities=row_entities,
            neighbours=neighbours,
            links=(links := self._load_links(ids)),
            knowledge=knowledge_of(links),
            project_codes={name: i for i, name in enumerate(project_names)},
            ivf=ivf,
            authors=frozenset(column("author").combine_chunks().unique().drop_null().to_pylist()),
        )

    def _bulk_neighbours(
        self,
        project: np.ndarray,
        code: np.ndarray,
        created: np.ndarray,
        source_ids: list[str | None],
        episodic: np.ndarray,
    ) -> Ragged:
        """Session neighbours (episodes consecutive in a project's time order, within the
        gap) and file neighbours (consecutive sections of one file), for every row at once.

        Only episodes are chained by time: turns of a conversation or steps of a session
        belong together, while facts stored in one go (an import, a demo) are independent.
        """
        n = len(code)
        seq = np.lexsort((np.arange(n), created, code))
        seq = seq[episodic[seq]]
        a, b = seq[:-1], seq[1:]
        close = (code[a] == code[b]) & (np.abs(created[b] - created[a]) <= SESSION_GAP_US)
        src, dst = [a[close]], [b[close]]
        if len(seq):
            last = np.flatnonzero(np.append(code[seq[1:]] != code[seq[:-1]], True))
            for i in seq[last].tolist():
                self._last_in_project[project[i]] = (i, int(created[i]))
        seq = np.lexsort((np.arange(n), created, code))
        file_pairs: list[tuple[int, int]] = []
        for i in seq.tolist():
            sid = source_ids[i]
            if sid and "#" in sid:
                key = (project[i], sid.split("#", 1)[0])
                before = self._last_in_file.get(key)
                if before is not None:
                    file_pairs.append((before, i))
                self._last_in_file[key] = i
        if file_pairs:
            pairs = np.array(file_pairs, dtype=np.int64)
            src.append(pairs[:, 0])
            dst.append(pairs[:, 1])
        one_way = np.stack([np.concatenate(src), np.concatenate(dst)], axis=1)
        # Both directions, once each (a file section can also be a session neighbour).
        edges = np.unique(np.concatenate([one_way, one_way[:, ::-1]]), axis=0)
        return Ragged.from_pairs(edges[:, 0], edges[:, 1], n)

    def _load_links(self, ids: Ids) -> Links:
        out: Links = defaultdict(list)
        links = self._store.all_links()
        if not links:
            return {}
        src, dst, relations = zip(*links, strict=True)
        for a, b, relation in zip(ids.rows(src).tolist(), ids.rows(dst).tolist(), relations, strict=True):
            if a >= 0 and b >= 0:
                out[a].append((b, relation, True))
                out[b].append((a, relation, False))
        return dict(out)

    # -- incremental -----------------------------------------------------------------------
    def _on_change(self, change: StoreChange) -> None:
        with self._lock:
            if self._version is None or change.reset or change.before != self._version:
                self._version = None  # reload on the next search
                return
            # One change is published as one snapshot: a search never sees a new version
            # beside the old one it supersedes.
            snap = self._snap
            try:
                if change.added:
                    snap = self._append(snap, columns_of(change.added, self._store.dim))
                if change.updated:
                    snap = self._update(snap, change.updated)
                if change.links:
                    snap = self._add_links(snap, change.links)
            except _Stale:
                self._version = None
                return
            self._snap = snap
            self._version = change.after

    def _append(self, snap: Snapshot, rows: dict[str, Any]) -> Snapshot:
        n0, k = len(snap.ids), len(rows["id"])
        if k == 0:
            return snap
        matrix = self._buffer.append(np.asarray(rows["vector"], dtype=np.float32).reshape(k, -1))
        ids = snap.ids.appended([str(i) for i in rows["id"]])
        created = np.asarray(rows["created_us"], dtype=np.int64)
        codes = snap.project_codes  # new keys only: old snapshots never ask for them
        for name in rows["project"]:
            codes.setdefault(name, len(codes))
        cols = {
            "project": np.concatenate([snap.cols["project"], np.array(rows["project"], dtype=object)]),
            "project_code": np.concatenate(
                [snap.cols["project_code"], np.array([codes[p] for p in rows["project"]], dtype=np.int32)]
            ),
            "pinned": np.concatenate(
                [snap.cols["pinned"], np.array([bool(x) for x in rows["pinned"]], dtype=bool)]
            ),
            "stability": np.concatenate(
                [snap.cols["stability"], np.array([x or 1.0 for x in rows["stability"]], dtype=np.float32)]
            ),
            "last_us": np.concatenate([snap.cols["last_us"], np.asarray(rows["last_us"], dtype=np.int64)]),
            "kind": np.concatenate([snap.cols["kind"], np.array(rows["kind"], dtype=object)]),
            "words": np.concatenate([snap.cols["words"], np.asarray(rows["words"], dtype=np.int32)]),
            "created_us": np.concatenate([snap.cols["created_us"], created]),
            "archived": np.concatenate(
                [snap.cols["archived"], np.array([t == "archived" for t in rows["tier"]], dtype=bool)]
            ),
            "superseded": np.concatenate(
                [
                    snap.cols["superseded"],
                    np.array([s is not None for s in rows["superseded_by"]], dtype=bool),
                ]
            ),
        }
        for f in MIRRORED:
            old = snap.cols[f"rec:{f}"]
            cols[f"rec:{f}"] = np.concatenate([old, mirrored(f, rows[f], old.dtype)])
        new_entities: dict[str, list[int]] = defaultdict(list)
        for j in range(k):
            i = n0 + j
            ents = tuple(dict.fromkeys(e.lower() for e in rows["entities"][j] or ()))
            snap.row_entities.append(ents)
            for e in ents:
                new_entities[e].append(i)
            snap.neighbours.append(())
            self._source_ids.append(rows["source_id"][j])
        entity_rows = dict(snap.entity_rows)
        for e, new in new_entities.items():
            old_rows = entity_rows.get(e)
            arr = np.array(new, dtype=np.int64)
            entity_rows[e] = arr if old_rows is None else np.concatenate([old_rows, arr])
        for j in range(k):
            self._link_neighbours(
                snap.neighbours,
                n0 + j,
                rows["project"][j],
                int(created[j]),
                rows["source_id"][j],
                rows["kind"][j] == EPISODIC,
            )
        return replace(
            snap,
            ids=ids,
            matrix=matrix,
            cols=cols,
            entity_rows=entity_rows,
            authors=snap.authors | {a for a in rows["author"] if a is not None},
        )

    def _link_neighbours(
        self,
        neighbours: Ragged,
        i: int,
        project: str,
        created: int,
        source_id: str | None,
        episodic: bool,
    ) -> None:
        prev = self._last_in_project.get(project) if episodic else None
        if prev is not None and abs(created - prev[1]) <= SESSION_GAP_US:
            neighbours[i] = (*neighbours[i], prev[0])
            neighbours[prev[0]] = (*neighbours[prev[0]], i)
        if episodic:
            self._last_in_project[project] = (i, created)
        if source_id and "#" in source_id:
            key = (project, source_id.split("#", 1)[0])
            before = self._last_in_file.get(key)
            if before is not None and before not in neighbours[i]:
                neighbours[i] = (*neighbours[i], before)
                neighbours[before] = (*neighbours[before], i)
            self._last_in_file[key] = i

    def _update(self, snap: Snapshot, updates: Sequence[Mapping[str, Any]]) -> Snapshot:
        cols = dict(snap.cols)
        touched: set[str] = set()
        for row in updates:
            i = snap.row(str(row["id"]))
            if i is None or "entities" in row or "project" in row or "text" in row:
                raise _Stale
            if row.get("vector") is not None:
                self._buffer.set(i, np.asarray(row["vector"], dtype=np.float32))
            elif row.get("qvec"):
                self._buffer.set(i, decode(row["qvec"], snap.matrix.dim))
            for name, col, value in (
                ("tier", "archived", lambda v: v == "archived"),
                ("superseded_by", "superseded", lambda v: v is not None),
                ("kind", "kind", lambda v: v),
                ("created_at", "created_us", us_of),
                ("pinned", "pinned", bool),
                ("stability", "stability", float),
                ("last_recalled_at", "last_us", us_of),
            ):
                if name in row and row[name] is not None:
                    if col not in touched:
                        cols[col] = cols[col].copy()  # copy on write: readers keep theirs
                        touched.add(col)
                    cols[col][i] = value(row[name])
            for f in MIRRORED:
                if f in row:
                    col = f"rec:{f}"
                    if col not in touched:
                        cols[col] = cols[col].copy()
                        touched.add(col)
                    cols[col][i] = mirrored(f, [row[f]], cols[col].dtype)[0]
        if not touched:
            return snap
        named = {row["author"] for row in updates if row.get("author")}
        return replace(snap, cols=cols, authors=snap.authors | named)

    def _add_links(self, snap: Snapshot, links: Sequence[Mapping[str, Any]]) -> Snapshot:
        # Copy on write: a shallow copy of the map, new lists only where a link lands.
        graph = dict(snap.links)
        knowledge = set(snap.knowledge)
        for link in links:
            a, b = snap.row(str(link["src"])), snap.row(str(link["dst"]))
            if a is None or b is None:
                continue
            relation = link["relation"]
            graph[a] = [*graph.get(a, ()), (b, relation, True)]
            graph[b] = [*graph.get(b, ()), (a, relation, False)]
            if relation == CONSOLIDATES:
                knowledge.add(a)
        return replace(snap, links=graph, knowledge=frozenset(knowledge))


class _Stale(Exception):
    """A change the index cannot apply in place: reload instead."""
