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
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from memd.embedding.quantize import decode
from memd.retrieval.flat import Ids, Ragged
from memd.retrieval.vectors import VectorBuffer, Vectors
from memd.sessions import EPISODIC, SESSION_GAP_US
from memd.store import Store, StoreChange
from memd.store.filters import Filter, _us
from memd.text import word_count

log = logging.getLogger(__name__)

CONSOLIDATES = "consolidates"
Links = dict[int, list[tuple[int, str, bool]]]
# Below this many rows an exact scan is fast enough (and exact); above it, an IVF.
IVF_MIN_ROWS = 20_000
# An IVF list holds ~400 rows; a query reads at least 15 % of the lists (recall@10 against
# exact search 0.96 on real MiniLM embeddings, 0.92 at 10 %), and
# keeps reading until enough rows pass its filter.
ROWS_PER_LIST = 400
MIN_PROBE_SHARE = 0.15
MIN_CANDIDATES = 1_000

# Record fields kept in RAM beside the ones retrieval itself reads (project, kind, created
# time, pinned, stability), so that a recall reads only the rest of its hits from the
# store (memd.store.HIT_COLUMNS): ~3 ms less per recall for ~5 MB at 100k memories.
# Each is held in ``cols["rec:<field>"]``; None/null is NULL_US, -1 or NaN.
NULL_US = np.iinfo(np.int64).min
TIME_FIELDS = ("updated_at", "last_recalled_at", "recorded_at", "valid_to")
TEXT_FIELDS = ("source", "tier", "superseded_by", "author")
MIRRORED = (*TIME_FIELDS, *TEXT_FIELDS, "recall_count", "importance")


@dataclass(frozen=True)
class Ivf:
    """Inverted lists over the rows loaded at the last full load, which were laid out
    list by list so each list is one contiguous slice of the matrix. Rows appended
    since (``start`` onwards) are always scanned exactly."""

    centroids: np.ndarray
    bounds: np.ndarray  # (lists, 2): start and end row of each list
    start: int

    def scores(self, matrix: Vectors, vector: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
        n = len(matrix)
        out = np.full(n, -np.inf, dtype=np.float32)
        if mask is not None:
            allowed = int(mask.sum())
            if allowed <= max(MIN_CANDIDATES, n // 10):
                # A narrow filter (one small project): scoring its rows exactly is cheaper
                # than visiting lists that hold few of them.
                rows = np.flatnonzero(mask)
                out[rows] = matrix.dot_rows(vector, rows)
                return out
            wanted = min(MIN_CANDIDATES, allowed)
        else:
            wanted = MIN_CANDIDATES
        order = np.argsort(-(self.centroids @ vector))
        min_probes = max(1, int(len(order) * MIN_PROBE_SHARE))
        found = 0
        for probes, lst in enumerate(order, start=1):
            a, b = self.bounds[lst]
            if b > a:
                out[a:b] = matrix.dot(vector, a, b)
                found += int(mask[a:b].sum()) if mask is not None else int(b - a)
            if probes >= min_probes and found >= wanted:
                break
        if self.start < n:
            out[self.start :] = matrix.dot(vector, self.start)
        if mask is not None:
            out[~mask] = -np.inf
        return out


def kmeans(
    vectors: np.ndarray, k: int, *, iterations: int = 6, sample: int = 20_000, seed: int = 0
) -> np.ndarray:
    """Spherical k-means centroids (unit vectors), trained on a sample."""
    rng = np.random.default_rng(seed)
    train = vectors[rng.choice(len(vectors), size=min(sample, len(vectors)), replace=False)]
    centroids = train[rng.choice(len(train), size=k, replace=False)].copy()
    for _ in range(iterations):
        labels = np.argmax(train @ centroids.T, axis=1)
        order = np.argsort(labels, kind="stable")
        present, starts = np.unique(labels[order], return_index=True)
        sums = centroids.copy()  # an empty list keeps its centroid
        sums[present] = np.add.reduceat(train[order], starts, axis=0)
        centroids = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
    return centroids.astype(np.float32)


def _entities(entities: pa.ListArray, position: np.ndarray, n: int) -> tuple[dict[str, np.ndarray], Ragged]:
    """The entity inverted index and each row's entities, case-folded, rows renumbered."""
    flat = pc.utf8_lower(pc.list_flatten(entities))
    if len(flat) == 0:
        return {}, Ragged.from_pairs(np.zeros(0, np.int64), np.zeros(0, np.int32), n)
    rows = position[np.asarray(pc.list_parent_indices(entities).to_numpy(zero_copy_only=False))]
    encoded = flat.dictionary_encode()
    names = encoded.dictionary.to_pylist()
    codes = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    pairs = np.unique(np.stack([codes, rows], axis=1), axis=0)  # sorted by entity, then row
    starts = np.flatnonzero(np.append(True, pairs[1:, 0] != pairs[:-1, 0]))
    groups = np.split(pairs[:, 1], starts[1:])
    index = {names[int(pairs[s, 0])]: g for s, g in zip(starts, groups, strict=True)}
    by_row = pairs[np.lexsort((pairs[:, 0], pairs[:, 1]))]
    return index, Ragged.from_pairs(by_row[:, 1], by_row[:, 0], n, labels=names)


def _assign(vectors: np.ndarray, centroids: np.ndarray, block: int = 8192) -> np.ndarray:
    return np.concatenate(
        [np.argmax(vectors[i : i + block] @ centroids.T, axis=1) for i in range(0, len(vectors), block)]
    )


@dataclass(frozen=True)
class Snapshot:
    ids: Ids  # row -> id, id -> row
    matrix: Vectors
    cols: dict[str, np.ndarray]
    entity_rows: dict[str, np.ndarray]
    row_entities: Ragged  # row -> its entities
    neighbours: Ragged  # row -> rows of the same session or file next to it
    # row -> [(other row, relation, True when this row is the link's source)]
    links: Links
    # project name -> small int: comparing ints is 50x faster than comparing strings
    project_codes: dict[str, int]
    ivf: Ivf | None = None
    # rows that consolidate others (sources of a "consolidates" link), kept so a query
    # does not walk every link to find them
    knowledge: frozenset[int] = frozenset()
    # every author in view, so a query that names none skips the authorship pass
    authors: frozenset[str] = frozenset()

    def __len__(self) -> int:
        return len(self.ids)

    def row(self, id_: str) -> int | None:
        """The row of ``id_`` in this snapshot, None when it has none."""
        return self.ids.row(id_)

    def rows(self, ids: Sequence[str]) -> np.ndarray:
        """``row`` for many ids at once; -1 where this snapshot has none."""
        return self.ids.rows(ids)

    def record_fields(self, row: int) -> dict[str, Any]:
        """Row ``row``'s record fields held in RAM, as the store would give them."""
        cols = self.cols
        out: dict[str, Any] = {
            "id": self.ids[row],
            "project": cols["project"][row],
            "kind": cols["kind"][row],
            "created_at": _datetime(int(cols["created_us"][row])),
            "pinned": bool(cols["pinned"][row]),
            "stability": float(cols["stability"][row]),
        }
        for f in TIME_FIELDS:
            us = int(cols[f"rec:{f}"][row])
            out[f] = None if us == NULL_US else _datetime(us)
        for f in TEXT_FIELDS:
            out[f] = cols[f"rec:{f}"][row]
        count = int(cols["rec:recall_count"][row])
        out["recall_count"] = None if count < 0 else count
        importance = cols["rec:importance"][row]
        out["importance"] = None if np.isnan(importance) else float(importance)
        return out

    def mask(self, flt: Filter) -> np.ndarray | None:
        """``flt`` over these rows; projects compare as integer codes, the rest as the
        filter itself renders them."""
        rest = flt.mask(
            project=self.cols["project"],
            kind=self.cols["kind"],
            created_us=self.cols["created_us"],
            archived=self.cols["archived"],
            superseded=self.cols["superseded"],
            skip_projects=True,
        )
        if not flt.projects:
            return rest
        codes = [self.project_codes[p] for p in flt.projects if p in self.project_codes]
        code = self.cols["project_code"]
        mine = np.isin(code, np.array(codes, dtype=np.int32))
        return mine if rest is None else mine & rest

    def scores(self, vector: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
        """Cosine with every row that passes ``mask`` (-inf elsewhere). Exact below
        ``IVF_MIN_ROWS``; above, only the rows of the lists nearest the query are
        scored (the rest read -inf)."""
        if self.ivf is None:
            scores = self.cosines(vector)
            return scores if mask is None else np.where(mask, scores, -np.inf)
        return self.ivf.scores(self.matrix, vector.astype(np.float32), mask)

    def cosines(self, vector: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        if rows is None:
            return self.matrix.dot(vector)
        return self.matrix.dot_rows(vector, rows)


def _empty(dim: int) -> Snapshot:
    return Snapshot(
        ids=Ids(()),
        matrix=Vectors.empty(dim),
        cols={
            "project": np.empty(0, dtype=object),
            "project_code": np.empty(0, dtype=np.int32),
            "kind": np.empty(0, dtype=object),
            "words": np.empty(0, dtype=np.int32),
            "created_us": np.empty(0, dtype=np.int64),
            "archived": np.empty(0, dtype=bool),
            "superseded": np.empty(0, dtype=bool),
            "pinned": np.empty(0, dtype=bool),
            "stability": np.empty(0, dtype=np.float32),
            "last_us": np.empty(0, dtype=np.int64),
            **{f"rec:{f}": np.empty(0, dtype=np.int64) for f in TIME_FIELDS},
            **{f"rec:{f}": np.empty(0, dtype=object) for f in TEXT_FIELDS},
            "rec:recall_count": np.empty(0, dtype=np.int32),
            "rec:importance": np.empty(0, dtype=np.float32),
        },
        entity_rows={},
        row_entities=Ragged.empty(),
        neighbours=Ragged.empty(),
        links={},
        project_codes={},
    )


class MemoryIndex:
    def __init__(self, store: Store, *, ivf_min_rows: int = IVF_MIN_ROWS) -> None:
        self._store = store
        self._ivf_min_rows = ivf_min_rows
        self._lock = threading.Lock()
        self._version: tuple[int, int] | None = None
        self._snap = _empty(store.dim)
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
        snap = _empty(self._store.dim)
        self._buffer = VectorBuffer(snap.matrix)
        self._last_in_project, self._last_in_file = {}, {}
        self._source_ids = []
        self._snap = snap
        if n == 0:
            self._snap = replace(snap, links=self._load_links({}))
            return
        # Column work stays in Arrow and numpy: at 100k memories a row-by-row load took 7 s.
        vectors = (
            table.column("vector").combine_chunks().flatten().to_numpy(zero_copy_only=False).reshape(n, -1)
        )
        ivf: Ivf | None = None
        if n >= self._ivf_min_rows:
            centroids = kmeans(vectors, max(16, n // ROWS_PER_LIST))
            labels = _assign(vectors, centroids)
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
            **{f"rec:{f}": _shared_strings(column(f))[order] for f in TEXT_FIELDS},
            "words": numpy(pc.fill_null(column("words"), 0)).astype(np.int32),
            "rec:recall_count": numpy(pc.fill_null(column("recall_count"), -1)).astype(np.int32),
            "rec:importance": numpy(pc.fill_null(column("importance"), np.nan)).astype(np.float32),
        }
        entity_rows, row_entities = _entities(column("entities").combine_chunks(), position, n)
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
            knowledge=_knowledge(links),
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
                    snap = self._append(snap, _columns_of(change.added, self._store.dim))
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
            cols[f"rec:{f}"] = np.concatenate([old, _mirrored(f, rows[f], old.dtype)])
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
            old = entity_rows.get(e)
            arr = np.array(new, dtype=np.int64)
            entity_rows[e] = arr if old is None else np.concatenate([old, arr])
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
                ("created_at", "created_us", _us_of),
                ("pinned", "pinned", bool),
                ("stability", "stability", float),
                ("last_recalled_at", "last_us", _us_of),
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
                    cols[col][i] = _mirrored(f, [row[f]], cols[col].dtype)[0]
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


def _knowledge(links: Links) -> frozenset[int]:
    return frozenset(
        r for r, edges in links.items() if any(rel == CONSOLIDATES and out for _, rel, out in edges)
    )


class _Stale(Exception):
    """A change the index cannot apply in place: reload instead."""


def _us_of(value: datetime | int) -> int:
    return value if isinstance(value, int) else _us(value)


def _columns_of(rows: Sequence[Mapping[str, Any]], dim: int) -> dict[str, Any]:
    return {
        "id": [r["id"] for r in rows],
        "vector": np.array([r.get("vector") or [0.0] * dim for r in rows], dtype=np.float32),
        "project": [r["project"] for r in rows],
        "kind": [r["kind"] for r in rows],
        "words": [word_count(r.get("text") or "") for r in rows],
        "created_us": [_us_of(r["created_at"]) for r in rows],
        "tier": [r.get("tier") for r in rows],
        "superseded_by": [r.get("superseded_by") for r in rows],
        "entities": [r.get("entities") or () for r in rows],
        "source_id": [r.get("source_id") for r in rows],
        "pinned": [r.get("pinned") for r in rows],
        **{f: [r.get(f) for r in rows] for f in MIRRORED},
        "stability": [r.get("stability") for r in rows],
        "last_us": _last_us(
            [r.get("last_recalled_at") for r in rows],
            [r.get("recorded_at") for r in rows],
            [r.get("updated_at") or r["created_at"] for r in rows],
        ),
    }


def _last_us(recalled: Sequence[Any], recorded: Sequence[Any], updated: Sequence[Any]) -> list[int]:
    """When each memory was last reinforced: its last recall, else when it was recorded."""
    return [_us_of(a or b or c) for a, b, c in zip(recalled, recorded, updated, strict=True)]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _datetime(us: int) -> datetime:
    # Exact to the microsecond, as the store gives it (fromtimestamp goes through a float).
    return _EPOCH + timedelta(microseconds=us)


def _shared_strings(values: pa.ChunkedArray) -> np.ndarray:
    """An object array whose equal strings are one Python object (tiers, sources): a
    string per row would cost ~50 bytes a row."""
    encoded = values.combine_chunks().dictionary_encode()
    names = np.array([*encoded.dictionary.to_pylist(), None], dtype=object)
    codes = pc.fill_null(encoded.indices, len(names) - 1).to_numpy(zero_copy_only=False)
    return names[np.asarray(codes, dtype=np.int64)]


def _mirrored(field: str, values: Sequence[Any], dtype: np.dtype) -> np.ndarray:
    """Python values of a mirrored record field as its RAM column holds them."""
    if field in TIME_FIELDS:
        return np.array([NULL_US if v is None else _us_of(v) for v in values], dtype=np.int64)
    if field == "recall_count":
        return np.array([-1 if v is None else int(v) for v in values], dtype=np.int32)
    if field == "importance":
        return np.array([np.nan if v is None else v for v in values], dtype=np.float32)
    return np.array(list(values), dtype=object) if len(values) else np.empty(0, dtype=dtype)
