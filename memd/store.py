"""Persistence: the Store Protocol and its LanceDB implementation.

One LanceDB table holds vectors, text (with a full-text index) and metadata;
a second, tiny table holds what the data depends on (schema version, model).
"""

from __future__ import annotations

import fcntl
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

# LanceDB's Rust core logs deprecation chatter to stderr; people should not see it.
os.environ.setdefault("LANCEDB_LOG", "error")

import lancedb  # noqa: E402
import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.compute as pc  # noqa: E402

try:  # the loop LanceDB's sync API runs its async core on (see _async_of)
    from lancedb.background_loop import LOOP as _LOOP  # noqa: E402
except ImportError:  # pragma: no cover - another LanceDB layout: the sync path is used
    _LOOP = None

from memd.errors import (  # noqa: E402
    BusyError,
    ForeignStoreError,
    ModelMismatchError,
    StoreError,
    StoreUnreadableError,
    StoreVersionError,
)
from memd.filters import Filter, sql_str, sql_time  # noqa: E402
from memd.sessions import CONTEXT_CHARS, SESSION_GAP_US, attach_context  # noqa: E402
from memd.text import CJK_RE2  # noqa: E402

SCHEMA_VERSION = 6
# LanceDB's caches fill up to their bound in a daemon that writes: at 128 + 64 MB the
# daemon grew to 550 MB after 1,800 remembers at 100k memories, at 32 + 16 MB to 446 MB,
# at 16 + 8 MB to 426 MB, all with the same recall latency (memd's indexes take ~15 MB at
# 100k). Far larger stores may want more (setting lance_cache_mb).
INDEX_CACHE_BYTES = 16 << 20
METADATA_CACHE_BYTES = 8 << 20
TABLE = "memories"
META_TABLE = "memd_meta"
LINKS_TABLE = "memd_links"

Row = dict[str, Any]

RECORD_COLUMNS = [
    "id",
    "text",
    "kind",
    "project",
    "tags",
    "entities",
    "source",
    "source_id",
    "created_at",
    "updated_at",
    "last_recalled_at",
    "recall_count",
    "importance",
    "stability",
    "pinned",
    "tier",
    "superseded_by",
    "content_hash",
    "recorded_at",
    "valid_to",
    "author",
]
INDEX_COLUMNS = [
    "id",
    "vector",
    "project",
    "kind",
    "created_at",
    "tier",
    "superseded_by",
    "entities",
    "source_id",
    "pinned",
    "stability",
    "last_recalled_at",
    "recorded_at",
    "updated_at",
    "source",
    "recall_count",
    "importance",
    "valid_to",
    "author",
]
# What a recall reads from the store for the hits it returns: the rest of a record is
# mirrored in RAM by the retrieval index (memd.retrieval.index), and each column read
# costs ~0.25 ms on top of the lookup's ~3 ms.
HIT_COLUMNS = ["id", "text", "tags", "entities", "source_id", "content_hash"]
STRENGTH_COLUMNS = ["id", "pinned", "stability", "last_recalled_at", "recorded_at", "tier"]


LINK_SCHEMA = pa.schema(
    [
        pa.field("src", pa.string(), nullable=False),
        pa.field("dst", pa.string(), nullable=False),
        pa.field("relation", pa.string(), nullable=False),
        pa.field("created_at", pa.timestamp("us", tz="UTC"), nullable=False),
    ]
)


def memory_schema(dim: int) -> pa.Schema:
    ts = pa.timestamp("us", tz="UTC")
    return pa.schema(
        [
            pa.field("id", pa.string(), nullable=False),
            pa.field("text", pa.string(), nullable=False),
            pa.field("kind", pa.string(), nullable=False),
            pa.field("project", pa.string(), nullable=False),
            pa.field("tags", pa.list_(pa.string())),
            pa.field("entities", pa.list_(pa.string())),
            pa.field("source", pa.string()),
            pa.field("source_id", pa.string()),
            pa.field("created_at", ts, nullable=False),
            pa.field("updated_at", ts, nullable=False),
            pa.field("last_recalled_at", ts),
            pa.field("recall_count", pa.int32()),
            pa.field("importance", pa.float32()),
            pa.field("stability", pa.float32()),
            pa.field("pinned", pa.bool_()),
            pa.field("tier", pa.string()),
            pa.field("superseded_by", pa.string()),
            pa.field("content_hash", pa.string(), nullable=False),
            pa.field("vector", pa.list_(pa.float32(), dim)),
            pa.field("recorded_at", ts),
            pa.field("valid_to", ts),
            # Faded memories keep a compressed vector here and a null `vector` (memd.quantize).
            pa.field("qvec", pa.binary()),
            # What the full-text index reads: the text, and for an episode the episode
            # before it in its session (memd.sessions).
            pa.field("search_text", pa.string()),
            # Who said or wrote it (a speaker, "user", a commit's author): recall leans on a
            # person's own words when the query names them.
            pa.field("author", pa.string()),
        ]
    )


# Columns that hold times: a journal or any JSON round trip must turn them back into datetimes.
TIME_COLUMNS = tuple(f.name for f in memory_schema(1) if pa.types.is_timestamp(f.type))


@dataclass(frozen=True)
class StoreChange:
    """One write, as reported to subscribers (the in-RAM retrieval index).

    ``before``/``after`` are (table version, links version). ``reset`` means the
    change cannot be described row by row (delete, rebuild): reload.
    """

    before: tuple[int, int]
    after: tuple[int, int]
    added: Sequence[Row] = ()
    updated: Sequence[Mapping[str, Any]] = ()
    links: Sequence[Row] = ()
    reset: bool = False


class Store(Protocol):
    """What the service needs from persistence."""

    @property
    def location(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def meta(self) -> dict[str, str]: ...

    def set_meta(self, values: Mapping[str, str]) -> None: ...

    def writing(self) -> Any:
        """Context manager: the one writer, across threads and processes."""
        ...

    def add(self, rows: Sequence[Row], updates: Sequence[Row] = ()) -> None: ...

    def get(self, ids: Sequence[str], columns: Sequence[str] | None = None) -> list[Row]: ...

    def ids_with_prefix(self, prefix: str, limit: int = 2) -> list[str]: ...

    def find_hashes(self, project: str, hashes: Sequence[str]) -> dict[str, str]: ...

    def find_source_ids(self, project: str, source_ids: Sequence[str]) -> dict[str, str]: ...

    def find_source_prefix(self, project: str, prefix: str) -> dict[str, str]: ...

    def update(self, id: str, values: Mapping[str, Any]) -> None: ...

    def delete(self, ids: Sequence[str]) -> None: ...

    def scan(self, flt: Filter, *, limit: int | None, newest_first: bool = True) -> list[Row]: ...

    def keyword(self, query: str, k: int, flt: Filter) -> list[tuple[str, float]]: ...

    def index_columns(self) -> pa.Table: ...

    def strength_columns(self) -> pa.Table: ...

    def vector_columns(self, ids: Sequence[str] | None = None) -> pa.Table: ...

    def update_many(self, rows: Sequence[Row]) -> None: ...

    def count(self, flt: Filter | None = None) -> int: ...

    def counts_by(self, column: str) -> dict[str, int]: ...

    def set_vectors(self, vectors: Mapping[str, Sequence[float]]) -> None: ...

    def set_model(self, name: str, dim: int) -> None: ...

    def rebuild(self, rows: Sequence[Row], name: str, dim: int) -> None: ...

    def compact(self, *, drop_history: bool = False) -> None: ...

    def add_links(self, links: Sequence[Row]) -> None: ...

    def links_of(self, ids: Sequence[str]) -> list[Row]: ...

    def all_links(self) -> list[tuple[str, str, str]]: ...

    def versions(self) -> tuple[int, int]: ...

    def subscribe(self, listener: Callable[[StoreChange], None]) -> None: ...


class _FileLock:
    """An fcntl lock shared by threads of this process and other processes."""

    def __init__(self, path: Path, timeout: float = 30.0) -> None:
        self._path = path
        self._timeout = timeout
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    @contextmanager
    def hold(self) -> Iterator[None]:
        with self._thread_lock:
            if self._depth == 0:
                fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
                deadline = time.monotonic() + self._timeout
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() > deadline:
                            os.close(fd)
                            raise BusyError(
                                f"the store's write lock ({self._path}) stayed busy for {self._timeout:.0f} s"
                            ) from None
                        time.sleep(0.005)
                self._fd = fd
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and self._fd is not None:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)
                    os.close(self._fd)
                    self._fd = None


def _v1_to_v2(store: LanceStore) -> None:
    """Version 2 adds the table of explicit links between memories."""
    store._db.create_table(LINKS_TABLE, schema=LINK_SCHEMA, exist_ok=True)


def _v2_to_v3(store: LanceStore) -> None:
    """Version 3 keeps record time apart from edits (recorded_at) and when a fact
    stopped being true (valid_to): event time, record time and validity, bitemporally."""
    have = set(store._table.schema.names)  # a migration interrupted half-way is run again
    if "recorded_at" not in have:
        store._table.add_columns({"recorded_at": "updated_at"})
    if "valid_to" not in have:
        store._table.add_columns(pa.field("valid_to", pa.timestamp("us", tz="UTC")))


def _v3_to_v4(store: LanceStore) -> None:
    """Version 4 lets faded memories keep a compressed vector (``qvec``)."""
    if "qvec" not in set(store._table.schema.names):
        store._table.add_columns(pa.field("qvec", pa.binary()))


def _v4_to_v5(store: LanceStore) -> None:
    """Version 5 indexes ``search_text`` (an episode with the one before it in its
    session) for full text instead of ``text``; existing episodes get their context."""
    table = store._table
    if "search_text" not in set(table.schema.names):
        table.add_columns({"search_text": "text"})
    rows = (
        table.search()
        .select(["id", "project", "kind", "created_at", "text"])
        .limit(table.count_rows() + 1)
        .to_arrow()
        .to_pylist()
    )
    attach_context(rows)  # scan order is write order, which breaks ties of time
    changed = [
        {"id": r["id"], "search_text": r["search_text"]} for r in rows if r["search_text"] != r["text"]
    ]
    schema = pa.schema([pa.field("id", pa.string(), nullable=False), pa.field("search_text", pa.string())])
    for start in range(0, len(changed), 5_000):
        chunk = pa.Table.from_pylist(changed[start : start + 5_000], schema=schema)
        table.merge_insert("id").when_matched_update_all().execute(chunk)
    store._ensure_indexes(table)
    for index in table.list_indices():
        if list(index.columns) == ["text"]:
            table.drop_index(index.name)
    # The merge rewrote the rows it touched into new fragments the id index does not
    # cover yet: reads by id were 30 % slower until this (100k memories: ~12 s in all).
    table.optimize()


def _v5_to_v6(store: LanceStore) -> None:
    """Version 6 records who said or wrote a memory (``author``); older ones have none."""
    if "author" not in set(store._table.schema.names):
        store._table.add_columns(pa.field("author", pa.string()))


# Each entry upgrades a store from version N to N+1, in place, under the write lock.
MIGRATIONS: dict[int, Callable[[LanceStore], None]] = {
    1: _v1_to_v2,
    2: _v2_to_v3,
    3: _v3_to_v4,
    4: _v4_to_v5,
    5: _v5_to_v6,
}


class LanceStore:
    """The memory table in an embedded (or object-store) LanceDB database."""

    def __init__(
        self,
        location: str,
        *,
        lock_path: Path | None,
        embed_model: str,
        dim: int,
        check_model: bool = True,
        cache_bytes: int = INDEX_CACHE_BYTES + METADATA_CACHE_BYTES,
        read_only: bool = False,
    ) -> None:
        """``read_only`` opens an existing store for reading alone: no lock is taken and
        nothing is created or migrated (a hook reads while a daemon may be starting)."""
        self._location = location
        self._lock = _FileLock(lock_path) if lock_path is not None else None
        self._thread_lock = threading.RLock()
        self._listeners: list[Callable[[StoreChange], None]] = []
        self._in_flight = 0
        if "://" not in location:
            self._check_local(Path(location))
        try:
            # Bounded caches: LanceDB's defaults (6 GB index, 1 GB metadata) let a
            # long-running daemon grow far past what a memory store needs; memd's
            # indexes (full text, two B-trees) take ~15 MB at 100k memories.
            session = lancedb.Session(
                index_cache_size_bytes=cache_bytes * 2 // 3, metadata_cache_size_bytes=cache_bytes // 3
            )
            self._db = lancedb.connect(location, session=session)
            names = set(self._db.list_tables().tables)
        except Exception as exc:
            raise StoreUnreadableError(f"cannot open the store at {location}: {exc}") from exc
        if names and META_TABLE not in names:
            raise ForeignStoreError(f"{location} holds LanceDB tables that are not memd's")
        if read_only:
            if META_TABLE not in names:
                raise StoreUnreadableError(f"there is no memd store at {location} yet")
            self._meta_table = self._db.open_table(META_TABLE)
            meta = self.meta()
            if int(meta.get("schema_version", "0")) != SCHEMA_VERSION:
                raise StoreVersionError(
                    f"the store at {location} has schema version {meta.get('schema_version')}, "
                    f"not {SCHEMA_VERSION}: open it for writing once to migrate it"
                )
            self._table = self._db.open_table(meta.get("table", TABLE))
            self._links = self._db.open_table(LINKS_TABLE)
            self._dim = int(meta["embed_dim"])
            return
        with self.writing():
            if META_TABLE not in names:
                self._create(embed_model, dim)
            self._meta_table = self._db.open_table(META_TABLE)
            self._table = self._db.open_table(self.meta().get("table", TABLE))
            self._migrate()
            self._links = self._db.open_table(LINKS_TABLE)
        meta = self.meta()
        self._dim = int(meta["embed_dim"])
        if check_model and (meta["embed_model"], self._dim) != (embed_model, dim):
            if self.count() == 0:
                self.set_model(embed_model, dim)
            else:
                raise ModelMismatchError(
                    f"the store was embedded with {meta['embed_model']} ({self._dim} dims); "
                    f"the configured model is {embed_model} ({dim} dims)"
                )

    @staticmethod
    def _check_local(path: Path) -> None:
        if path.exists() and not path.is_dir():
            raise StoreUnreadableError(f"the store path {path} is a file")
        if path.is_dir():
            entries = [p.name for p in path.iterdir()]
            if entries and not any(name.endswith(".lance") for name in entries):
                raise ForeignStoreError(f"{path} is not empty and is not a LanceDB store")
            if not os.access(path, os.R_OK | os.W_OK | os.X_OK):
                raise StoreUnreadableError(f"no read/write permission on {path}")

    def _create(self, embed_model: str, dim: int) -> None:
        table = self._db.create_table(TABLE, schema=memory_schema(dim), exist_ok=True)
        self._ensure_indexes(table)
        self._db.create_table(LINKS_TABLE, schema=LINK_SCHEMA, exist_ok=True)
        meta = {
            "schema_version": str(SCHEMA_VERSION),
            "table": TABLE,
            "embed_model": embed_model,
            "embed_dim": str(dim),
            "created_at": datetime.now(UTC).isoformat(),
        }
        self._db.create_table(
            META_TABLE,
            data=[{"key": k, "value": v} for k, v in meta.items()],
            schema=pa.schema([pa.field("key", pa.string()), pa.field("value", pa.string())]),
            exist_ok=True,
        )

    @staticmethod
    def _ensure_indexes(table: Any) -> None:
        """Full-text index on search_text; B-trees so lookups by id or content skip a full scan.

        Rows written after an index was built are still searched (flat) until
        :meth:`compact` folds them in, so the indexes never hide a fresh write.
        """
        from lancedb.index import FTS, BTree

        table.create_index(
            "search_text",
            config=FTS(with_position=False, stem=True, remove_stop_words=True, lower_case=True),
            replace=True,
        )
        table.create_index("id", config=BTree(), replace=True)
        table.create_index("content_hash", config=BTree(), replace=True)

    def _migrate(self) -> None:
        version = int(self.meta().get("schema_version", "0"))
        if version > SCHEMA_VERSION:
            raise StoreVersionError(
                f"the store has schema version {version}; this memd reads up to {SCHEMA_VERSION}"
            )
        while version < SCHEMA_VERSION:
            step = MIGRATIONS.get(version)
            if step is None:
                raise StoreVersionError(f"no migration from schema version {version}")
            step(self)
            version += 1
            self._set_meta({"schema_version": str(version)})

    # -- metadata ------------------------------------------------------------------
    @property
    def location(self) -> str:
        return self._location

    @property
    def dim(self) -> int:
        return self._dim

    def meta(self) -> dict[str, str]:
        rows = self._meta_table.to_arrow().to_pylist()
        return {r["key"]: r["value"] for r in rows}

    def set_meta(self, values: Mapping[str, str]) -> None:
        """Store small key/value facts about the store (schema, model, job progress)."""
        self._set_meta(values)

    def _set_meta(self, values: Mapping[str, str]) -> None:
        with self.writing():
            (
                self._meta_table.merge_insert("key")
                .when_matched_update_all()
                .when_not_matched_insert_all()
                .execute([{"key": k, "value": v} for k, v in values.items()])
            )

    def set_model(self, name: str, dim: int) -> None:
        """Record the model the vectors now come from; a new width rebuilds the table."""
        with self.writing():
            if dim != self._dim_of_table():
                if self.count() != 0:
                    raise StoreError("cannot change the vector width of a non-empty store")
                self.rebuild([], name, dim)
                return
            self._set_meta({"embed_model": name, "embed_dim": str(dim)})
            self._dim = dim

    def rebuild(self, rows: Sequence[Row], name: str, dim: int) -> None:
        """Write ``rows`` into a fresh table of width ``dim`` and switch to it.

        The switch is one metadata write: a crash before it leaves the old table
        in use, a crash after it leaves the new one complete. Nothing is lost.
        """
        with self._reporting(reset=True):
            new_name = f"{TABLE}_{datetime.now(UTC).strftime('%Y%m%d%H%M%S%f')}"
            table = self._db.create_table(new_name, schema=memory_schema(dim))
            rows = [dict(r) for r in rows]
            attach_context(rows)
            for start in range(0, len(rows), 1024):
                table.add(pa.Table.from_pylist(list(rows[start : start + 1024]), schema=table.schema))
            self._ensure_indexes(table)
            old_name = self.meta().get("table", TABLE)
            self._set_meta({"table": new_name, "embed_model": name, "embed_dim": str(dim)})
            self._table = self._db.open_table(new_name)
            self._dim = dim
            self._db.drop_table(old_name)

    def _dim_of_table(self) -> int:
        return int(self._table.schema.field("vector").type.list_size)

    # -- writes --------------------------------------------------------------------
    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._thread_lock:
            if self._lock is None:
                yield
            else:
                with self._lock.hold():
                    yield

    def subscribe(self, listener: Callable[[StoreChange], None]) -> None:
        self._listeners.append(listener)

    def _async_table(self) -> Any | None:
        return _async_of(self._table)

    def versions(self) -> tuple[int, int]:
        """(memory table version, links table version), in one trip to LanceDB's loop."""
        table, links = self._async_table(), _async_of(self._links)
        if table is not None and links is not None:

            async def both() -> tuple[int, int]:
                return (await table.version(), await links.version())

            a, b = _LOOP.run(both())
            return (int(a), int(b))
        return (int(self._table.version), int(self._links.version))

    @contextmanager
    def _reporting(self, **change: Any) -> Iterator[None]:
        """Run a write under the lock and tell subscribers what it changed."""
        with self.writing():
            before = self.versions()
            self._in_flight += 1
            try:
                yield
                if self._listeners:
                    event = StoreChange(before=before, after=self.versions(), **change)
                    for listener in self._listeners:
                        listener(event)
            finally:
                self._in_flight -= 1

    def reporting_write(self) -> bool:
        """True while a write of this process is under way and will be reported: a reader
        seeing a new version now should wait for the report instead of reloading."""
        return self._in_flight > 0

    def add(self, rows: Sequence[Row], updates: Sequence[Row] = ()) -> None:
        """Insert ``rows``; ``updates`` (an ``id`` plus the columns to set) change existing
        rows in the same commit.

        A new version and the old one it supersedes change together: a reader sees the old
        version current or the new one, never both and never neither.
        """
        if not rows:
            if updates:
                self.update_many(updates)
            return
        # A writer that did not set search_text (memd's own always does) gets the text.
        rows = [r if r.get("search_text") else {**r, "search_text": r["text"]} for r in rows]
        if not updates:
            with self._reporting(added=rows):
                # Rows may wait for their vector (the daemon embeds after acknowledging).
                self._table.add(
                    pa.Table.from_pylist(list(rows), schema=self._table.schema), on_bad_vectors="null"
                )
            return
        with self.writing():
            # One merge is one commit: the changed rows are rewritten whole beside the new.
            changes = {str(u["id"]): u for u in updates}
            whole = self.get(list(changes), columns=self._table.schema.names)
            changed = [{**r, **changes[r["id"]]} for r in whole]  # a row gone has nothing to change
            data = pa.Table.from_pylist([*rows, *changed], schema=self._table.schema)
            reported = [changes[r["id"]] for r in whole]
            with self._reporting(added=rows, updated=reported):
                (
                    self._table.merge_insert("id")
                    .when_matched_update_all()
                    .when_not_matched_insert_all()
                    .execute(data, on_bad_vectors="null")
                )

    def update(self, id: str, values: Mapping[str, Any]) -> None:
        with self._reporting(updated=[{"id": id, **values}]):
            self._table.update(where=f"id = {sql_str(id)}", values=dict(values))

    def set_vectors(self, vectors: Mapping[str, Sequence[float]]) -> None:
        if not vectors:
            return
        data = pa.table(
            {
                "id": list(vectors.keys()),
                "vector": pa.array(
                    [list(map(float, v)) for v in vectors.values()],
                    type=pa.list_(pa.float32(), self._dim),
                ),
            }
        )
        updated = [{"id": i, "vector": v} for i, v in vectors.items()]
        with self._reporting(updated=updated):
            self._table.merge_insert("id").when_matched_update_all().execute(data)

    def delete(self, ids: Sequence[str]) -> None:
        if not ids:
            return
        inl = ", ".join(sql_str(i) for i in ids)
        with self._reporting(reset=True):
            self._forget_as_context(ids, inl)
            self._table.delete(f"id IN ({inl})")
            self._links.delete(f"src IN ({inl}) OR dst IN ({inl})")

    def _forget_as_context(self, ids: Sequence[str], inl: str) -> None:
        """A deleted episode's text must not live on in the keyword document of the
        episode after it (memd.sessions): those documents go back to their own text."""
        gone = set(ids)
        victims = (
            self._table.search()
            .where(f"id IN ({inl}) AND kind = 'episodic'")
            .select(["project", "created_at", "text"])
            .limit(len(ids))
            .to_arrow()
            .to_pylist()
        )
        fixed: dict[str, str] = {}
        gap = timedelta(microseconds=SESSION_GAP_US)
        for v in victims:
            where = (
                f"project = {sql_str(v['project'])} AND kind = 'episodic' AND "
                f"created_at >= {sql_time(v['created_at'] - gap)} AND "
                f"created_at <= {sql_time(v['created_at'] + gap)}"
            )
            near = self._table.search().where(where).select(["id", "text", "search_text"])
            needle = "\n" + v["text"][:CONTEXT_CHARS]
            for r in near.limit(100_000).to_arrow().to_pylist():
                if r["id"] not in gone and needle in (r["search_text"] or "")[len(r["text"]) :]:
                    fixed[r["id"]] = r["text"]
        if fixed:
            schema = pa.schema(
                [pa.field("id", pa.string(), nullable=False), pa.field("search_text", pa.string())]
            )
            data = pa.Table.from_pylist(
                [{"id": i, "search_text": t} for i, t in fixed.items()], schema=schema
            )
            self._table.merge_insert("id").when_matched_update_all().execute(data)

    def compact(self, *, drop_history: bool = False) -> None:
        """Merge small fragments, fold new rows into the indexes, drop old versions.

        Old versions are kept a week (time travel after a bad write) unless
        ``drop_history``: a purge must not leave the text behind in them.
        """
        import warnings
        from datetime import timedelta

        keep = timedelta(0) if drop_history else timedelta(days=7)
        # Compaction moves versions, not content: subscribers just note the new version.
        with self._reporting(), warnings.catch_warnings():
            # LanceDB warns that readers of old versions may fail: a purge means exactly that.
            warnings.filterwarnings("ignore", message=r"optimize\(cleanup_older_than=0\)")
            self._table.optimize(cleanup_older_than=keep, delete_unverified=drop_history)
            self._links.optimize(cleanup_older_than=keep, delete_unverified=drop_history)

    # -- reads ---------------------------------------------------------------------
    def count(self, flt: Filter | None = None) -> int:
        where = flt.to_sql() if flt is not None else None
        return int(self._table.count_rows(where))

    def get(self, ids: Sequence[str], columns: Sequence[str] | None = None) -> list[Row]:
        """The records of ``ids`` that exist, in that order; only ``columns`` (which must
        include ``id``) when given."""
        if not ids:
            return []
        rows = self._select(f"id IN ({', '.join(sql_str(i) for i in ids)})", len(ids), columns)
        by_id = {r["id"]: r for r in rows}
        return [by_id[i] for i in ids if i in by_id]

    def ids_with_prefix(self, prefix: str, limit: int = 2) -> list[str]:
        if not re.fullmatch(r"[0-9a-f]+", prefix):
            return []  # ids are hex; anything else could only act as a LIKE wildcard
        rows = self._table.search().where(f"id LIKE '{prefix}%'").select(["id"]).limit(limit).to_arrow()
        return [str(v) for v in rows.column("id").to_pylist()]

    def find_hashes(self, project: str, hashes: Sequence[str]) -> dict[str, str]:
        if not hashes:
            return {}
        where = (
            f"project = {sql_str(project)} AND content_hash IN "
            f"({', '.join(sql_str(h) for h in hashes)}) "
            "AND tier != 'archived' AND superseded_by IS NULL"
        )
        found = (
            self._table.search()
            .where(where)
            .select(["id", "content_hash"])
            .limit(len(hashes) * 4 + 10)
            .to_arrow()
        )
        return dict(
            zip(
                found.column("content_hash").to_pylist(),
                found.column("id").to_pylist(),
                strict=True,
            )
        )

    def find_source_ids(self, project: str, source_ids: Sequence[str]) -> dict[str, str]:
        """Current (not superseded, not archived) memories by their caller-given id."""
        if not source_ids:
            return {}
        where = (
            f"project = {sql_str(project)} AND source_id IN "
            f"({', '.join(sql_str(s) for s in source_ids)}) "
            "AND superseded_by IS NULL AND tier != 'archived'"
        )
        found = (
            self._table.search()
            .where(where)
            .select(["id", "source_id"])
            .limit(len(source_ids) * 4 + 10)
            .to_arrow()
        )
        return dict(zip(found.column("source_id").to_pylist(), found.column("id").to_pylist(), strict=True))

    def find_source_prefix(self, project: str, prefix: str) -> dict[str, str]:
        """Current memories whose caller-given id starts with ``prefix`` (a file's sections)."""
        where = (
            f"project = {sql_str(project)} AND starts_with(source_id, {sql_str(prefix)}) "
            "AND superseded_by IS NULL AND tier != 'archived'"
        )
        found = self._table.search().where(where).select(["id", "source_id"]).limit(self.count() + 1)
        table = found.to_arrow()
        return dict(zip(table.column("source_id").to_pylist(), table.column("id").to_pylist(), strict=True))

    def scan(self, flt: Filter, *, limit: int | None, newest_first: bool = True) -> list[Row]:
        rows = self._select(flt.to_sql(), None)
        rows.sort(key=lambda r: (r["created_at"], r["id"]), reverse=newest_first)
        return rows[:limit] if limit is not None else rows

    def _select(
        self, where: str | None, limit: int | None, columns: Sequence[str] | None = None
    ) -> list[Row]:
        columns = list(columns or RECORD_COLUMNS)
        limit = limit if limit is not None else self.count() + 1
        table = self._async_table()
        if table is not None:

            async def run() -> pa.Table:
                query = table.query().select(columns).limit(limit)
                return await (query.where(where) if where else query).to_arrow()

            return _LOOP.run(run()).to_pylist()
        query = self._table.search().select(columns)
        if where:
            query = query.where(where)
        return query.limit(limit).to_arrow().to_pylist()

    def keyword(self, query: str, k: int, flt: Filter) -> list[tuple[str, float]]:
        where = flt.to_sql()
        table = self._async_table()
        if table is not None:

            async def run() -> pa.Table:
                search = table.query().nearest_to_text(query, columns="search_text").select(["id", "_score"])
                search = search.limit(k)
                return await (search.where(where) if where else search).to_arrow()  # a prefilter

            result = _LOOP.run(run())
        else:
            search = (
                self._table.search(query, query_type="fts", fts_columns="search_text")
                .select(["id", "_score"])
                .limit(k)
            )
            if where:
                search = search.where(where, prefilter=True)
            result = search.to_arrow()
        return list(zip(result.column("id").to_pylist(), result.column("_score").to_pylist(), strict=True))

    def add_links(self, links: Sequence[Row]) -> None:
        if not links:
            return
        with self._reporting(links=links):
            self._links.add(pa.Table.from_pylist(list(links), schema=LINK_SCHEMA))

    def links_of(self, ids: Sequence[str]) -> list[Row]:
        if not ids:
            return []
        inl = ", ".join(sql_str(i) for i in ids)
        return (
            self._links.search()
            .where(f"src IN ({inl}) OR dst IN ({inl})")
            .limit(100_000)
            .to_arrow()
            .to_pylist()
        )

    def all_links(self) -> list[tuple[str, str, str]]:
        table = self._links.search().select(["src", "dst", "relation"]).limit(self._links.count_rows() + 1)
        data = table.to_arrow()
        return list(
            zip(
                data.column("src").to_pylist(),
                data.column("dst").to_pylist(),
                data.column("relation").to_pylist(),
                strict=True,
            )
        )

    def _columns(self, columns: list[str]) -> pa.Table:
        return self._table.search().select(columns).limit(self.count() + 1).to_arrow()

    def index_columns(self) -> pa.Table:
        """The columns retrieval keeps in RAM; compressed vectors come back inflated, and
        the text only as its length in words (``words``)."""
        table = self._columns([*INDEX_COLUMNS, "qvec", "text"])
        text = table.column("text")
        words = pc.add(
            pc.list_value_length(pc.utf8_split_whitespace(text)).cast(pa.int64()),
            pc.count_substring_regex(text, pattern=CJK_RE2).cast(pa.int64()),
        )
        table = table.drop_columns(["text"]).append_column("words", words.cast(pa.int32()))
        vectors = table.column("vector").combine_chunks()
        if vectors.null_count:
            from memd.quantize import decode

            qvecs = table.column("qvec").to_pylist()
            flat = vectors.values.to_numpy(zero_copy_only=False).reshape(len(vectors), self._dim).copy()
            for i in np.flatnonzero(vectors.is_null().to_numpy(zero_copy_only=False)):
                flat[i] = decode(qvecs[i], self._dim) if qvecs[i] else 0.0
            vectors = pa.FixedSizeListArray.from_arrays(pa.array(flat.ravel(), pa.float32()), self._dim)
            table = table.set_column(table.schema.get_field_index("vector"), "vector", vectors)
        return table.drop_columns(["qvec"])

    def vector_columns(self, ids: Sequence[str] | None = None) -> pa.Table:
        """id, tier, vector and qvec: what re-encoding a tier's vectors reads."""
        columns = ["id", "tier", "vector", "qvec"]
        if ids is None:
            return self._columns(columns)
        if not ids:
            return pa.table({c: [] for c in columns})
        where = f"id IN ({', '.join(sql_str(i) for i in ids)})"
        return self._table.search().select(columns).where(where).limit(len(ids)).to_arrow()

    def strength_columns(self) -> pa.Table:
        return self._columns(STRENGTH_COLUMNS)

    def update_many(self, rows: Sequence[Row]) -> None:
        """Set some columns of many rows in one commit (rows carry ``id`` plus the columns)."""
        if not rows:
            return
        names = list(rows[0].keys())
        schema = pa.schema([self._table.schema.field(n) for n in names])
        data = pa.Table.from_pylist(list(rows), schema=schema)
        with self._reporting(updated=rows):
            # A faded memory's vector is null on purpose (its compressed form is in qvec).
            self._table.merge_insert("id").when_matched_update_all().execute(data, on_bad_vectors="null")

    def counts_by(self, column: str) -> dict[str, int]:
        values = self._columns([column]).column(column)
        counts = pc.value_counts(values).to_pylist()
        return {str(c["values"]): int(c["counts"]) for c in counts}


def _async_of(table: Any) -> Any | None:
    """LanceDB's async table behind a sync one, for the reads of a recall: the sync query
    builder asks LanceDB's event loop for the table's schema two or three times per
    query, one trip each (~1.3 ms of a 3.5 ms lookup at 100k); one coroutine makes one
    trip. The same table object, so it sees every write the sync one does. None (the
    sync path) if a LanceDB version lays this out differently."""
    inner = getattr(table, "_table", None)
    ok = (
        _LOOP is not None
        and callable(getattr(inner, "query", None))
        and callable(getattr(inner, "version", None))
    )
    return inner if ok else None
