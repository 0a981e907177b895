"""The Store implemented on LanceDB: opening, creating and migrating the tables, and every
write, each reported to subscribers as one :class:`~memd.store.base.StoreChange`.

The reads are in :mod:`memd.store.reads`; one table holds vectors, text (with a full-text
index) and metadata, a second the links between memories, a third what the data depends on
(schema version, embedding model).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# LanceDB's Rust core logs deprecation chatter to stderr; people should not see it.
os.environ.setdefault("LANCEDB_LOG", "error")

import lancedb  # noqa: E402
import pyarrow as pa  # noqa: E402

from memd.errors import (  # noqa: E402
    ForeignStoreError,
    ModelMismatchError,
    StoreError,
    StoreReadOnlyError,
    StoreUnreadableError,
    StoreVersionError,
)
from memd.sessions import CONTEXT_CHARS, SESSION_GAP_US, attach_context  # noqa: E402
from memd.store.base import StoreChange  # noqa: E402
from memd.store.conflicts import is_conflict, retrying, settle  # noqa: E402
from memd.store.failures import translate  # noqa: E402
from memd.store.filters import sql_str, sql_time  # noqa: E402
from memd.store.lock import FileLock  # noqa: E402
from memd.store.meta import LanceMeta  # noqa: E402
from memd.store.migrations import MIGRATIONS  # noqa: E402
from memd.store.reads import LOOP as _LOOP  # noqa: E402
from memd.store.reads import LanceReads, async_of  # noqa: E402
from memd.store.schema import (  # noqa: E402
    LINK_SCHEMA,
    LINKS_TABLE,
    META_TABLE,
    SCHEMA_VERSION,
    TABLE,
    Row,
    ensure_indexes,
    memory_schema,
)

log = logging.getLogger(__name__)

# LanceDB's caches fill up to their bound in a daemon that writes: at 128 + 64 MB the
# daemon grew to 550 MB after 1,800 remembers at 100k memories, at 32 + 16 MB to 446 MB,
# at 16 + 8 MB to 426 MB, all with the same recall latency (memd's indexes take ~15 MB at
# 100k). Far larger stores may want more (setting lance_cache_mb).
INDEX_CACHE_BYTES = 16 << 20
METADATA_CACHE_BYTES = 8 << 20


class LanceStore(LanceMeta, LanceReads):
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
        storage_options: Mapping[str, str] | None = None,
    ) -> None:
        """``read_only`` opens an existing store for reading alone: no lock is taken and
        nothing is created or migrated (a hook reads while a daemon may be starting)."""
        self._location = location
        self._lock = FileLock(lock_path, on_acquire=self._catch_up) if lock_path is not None else None
        self._thread_lock = threading.RLock()
        self._listeners: list[Callable[[StoreChange], None]] = []
        self._in_flight = 0
        if "://" not in location:
            self._check_local(Path(location), writable=not read_only)
        try:
            # Bounded caches: LanceDB's defaults (6 GB index, 1 GB metadata) let a
            # long-running daemon grow far past what a memory store needs; memd's
            # indexes (full text, two B-trees) take ~15 MB at 100k memories.
            session = lancedb.Session(
                index_cache_size_bytes=cache_bytes * 2 // 3, metadata_cache_size_bytes=cache_bytes // 3
            )
            self._db = lancedb.connect(location, session=session, storage_options=dict(storage_options or {}))
            names = set(self._db.list_tables().tables)
        except Exception as exc:
            raise StoreUnreadableError(f"cannot open the store at {location}: {exc}") from exc
        if names and META_TABLE not in names and not names <= {TABLE, LINKS_TABLE}:
            raise ForeignStoreError(f"{location} holds LanceDB tables that are not memd's")
        # Only memd's tables and no meta table yet: a creation under way on another machine
        # (a team store) or interrupted; every step of it is idempotent, so it is finished here.
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
            for attempt in range(6):
                try:
                    self._open_tables(names, embed_model, dim)
                    break
                except ValueError as exc:
                    # Another machine's creation of a team store half done: a table listed
                    # (or conflicting) but not readable yet. Seen with three daemons
                    # starting on one bucket; it completes within moments.
                    if "not found" not in str(exc) or attempt == 5:
                        raise
                    time.sleep(0.2 * (attempt + 1))
                    names = set(self._db.list_tables().tables)
        meta = self.meta()
        self._dim = int(meta["embed_dim"])
        if "://" in location:
            settle(meta.get("created_at"))
        if check_model and (meta["embed_model"], self._dim) != (embed_model, dim):
            if self.count() == 0:
                self.set_model(embed_model, dim)
            else:
                raise ModelMismatchError(
                    f"the store was embedded with {meta['embed_model']} ({self._dim} dims); "
                    f"the configured model is {embed_model} ({dim} dims)"
                )

    def _open_tables(self, names: set[str], embed_model: str, dim: int) -> None:
        if META_TABLE not in names:
            # Two machines creating one team store at once: one wins each table's
            # creation, the other sees a conflict and takes what the winner made.
            retrying(lambda: self._create(embed_model, dim), lambda: None)
        self._meta_table = self._db.open_table(META_TABLE)
        self._table = self._db.open_table(self.meta().get("table", TABLE))
        self._migrate()
        self._links = self._db.open_table(LINKS_TABLE)

    @staticmethod
    def _check_local(path: Path, *, writable: bool) -> None:
        if path.exists() and not path.is_dir():
            raise StoreUnreadableError(f"the store path {path} is a file")
        if path.is_dir():
            entries = [p.name for p in path.iterdir()]
            if entries and not any(name.endswith(".lance") for name in entries):
                raise ForeignStoreError(f"{path} is not empty and is not a LanceDB store")
            if not os.access(path, os.R_OK | os.X_OK):
                raise StoreUnreadableError(f"no read permission on {path}")
            if writable and not os.access(path, os.W_OK):
                raise StoreReadOnlyError(f"{path} is read-only (a read-only mount or no permission)")

    def _create_or_open(self, name: str, **options: Any) -> Any:
        """A table created, or the one another writer created a moment before (a team
        store's first users may start together)."""
        try:
            return self._db.create_table(name, exist_ok=True, **options)
        except (RuntimeError, OSError, ValueError) as exc:
            if not (is_conflict(exc) or "exist" in str(exc).lower()):
                raise
            return self._db.open_table(name)

    def _create(self, embed_model: str, dim: int) -> None:
        table = self._create_or_open(TABLE, schema=memory_schema(dim))
        ensure_indexes(table)
        self._create_or_open(LINKS_TABLE, schema=LINK_SCHEMA)
        meta = {
            "schema_version": str(SCHEMA_VERSION),
            "table": TABLE,
            "embed_model": embed_model,
            "embed_dim": str(dim),
            "created_at": datetime.now(UTC).isoformat(),
        }
        # Last: a store is complete once its meta table exists.
        self._create_or_open(
            META_TABLE,
            data=[{"key": k, "value": v} for k, v in meta.items()],
            schema=pa.schema([pa.field("key", pa.string()), pa.field("value", pa.string())]),
        )

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
            step(self._db, self._table)
            version += 1
            self._set_meta({"schema_version": str(version)})

    # -- metadata ------------------------------------------------------------------

    @property
    def location(self) -> str:
        return self._location

    @property
    def dim(self) -> int:
        return self._dim

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
            ensure_indexes(table)
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
            try:
                if self._lock is None:
                    yield
                else:
                    with self._lock.hold():
                        yield
            except (OSError, RuntimeError) as exc:
                # A full disk or a read-only mount, said so (see memd.store.failures).
                plain = translate(exc, self._location)
                if plain is None:
                    raise
                raise plain from exc

    def _catch_up(self) -> None:
        """Move this process's table handles to the latest version once it holds the write
        lock. LanceDB does not look for other processes' commits on its own (no read
        consistency interval, for speed): without this a second process planned its writes
        and compactions on the version it last saw, read stale rows for deduplication and
        supersession, and a compaction failed with a commit conflict against the other's
        update (found by the two-process writer tests)."""
        for name in ("_table", "_links", "_meta_table"):
            table = getattr(self, name, None)
            if table is None:
                continue
            try:
                table.checkout_latest()
            except Exception:  # noqa: BLE001 - a table dropped or replaced (a rebuild, a
                # migration) is reopened by the code that changes it; a stale handle then
                # fails where it is used, as it would have without this catch-up
                log.debug("could not move %s to its latest version", name, exc_info=True)

    def follow(self) -> None:
        """See what other writers committed since (a team store written from several
        machines); the index reloads on its next search when the version moved."""
        with self._thread_lock:
            self._catch_up()

    def subscribe(self, listener: Callable[[StoreChange], None]) -> None:
        self._listeners.append(listener)

    def _async_table(self) -> Any | None:
        return async_of(self._table)

    def versions(self) -> tuple[int, int]:
        """(memory table version, links table version), in one trip to LanceDB's loop."""
        table, links = self._async_table(), async_of(self._links)
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
                data = pa.Table.from_pylist(list(rows), schema=self._table.schema)
                retrying(lambda: self._table.add(data, on_bad_vectors="null"), self._catch_up)
            return
        with self.writing():
            # One merge is one commit: the changed rows are rewritten whole beside the new.
            changes = {str(u["id"]): u for u in updates}
            whole = self.get(list(changes), columns=self._table.schema.names)
            changed = [{**r, **changes[r["id"]]} for r in whole]  # a row gone has nothing to change
            data = pa.Table.from_pylist([*rows, *changed], schema=self._table.schema)
            reported = [changes[r["id"]] for r in whole]
            with self._reporting(added=rows, updated=reported):
                retrying(
                    lambda: (
                        self._table.merge_insert("id")
                        .when_matched_update_all()
                        .when_not_matched_insert_all()
                        .execute(data, on_bad_vectors="null")
                    ),
                    self._catch_up,
                )

    def update(self, id: str, values: Mapping[str, Any]) -> None:
        with self._reporting(updated=[{"id": id, **values}]):
            retrying(
                lambda: self._table.update(where=f"id = {sql_str(id)}", values=dict(values)), self._catch_up
            )

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
            try:
                self._table.optimize(cleanup_older_than=keep, delete_unverified=drop_history)
                self._links.optimize(cleanup_older_than=keep, delete_unverified=drop_history)
            except (RuntimeError, OSError) as exc:
                if not is_conflict(exc):
                    raise
                # Another writer of a shared store compacted (or wrote) meanwhile: its
                # compaction serves this one's purpose; the next one retries.
                log.info("compaction skipped: %s", str(exc)[:120])

    # -- reads ---------------------------------------------------------------------

    def add_links(self, links: Sequence[Row]) -> None:
        if not links:
            return
        with self._reporting(links=links):
            data = pa.Table.from_pylist(list(links), schema=LINK_SCHEMA)
            retrying(lambda: self._links.add(data), self._catch_up)

    def update_many(self, rows: Sequence[Row]) -> None:
        """Set some columns of many rows in one commit (rows carry ``id`` plus the columns)."""
        if not rows:
            return
        names = list(rows[0].keys())
        schema = pa.schema([self._table.schema.field(n) for n in names])
        data = pa.Table.from_pylist(list(rows), schema=schema)
        with self._reporting(updated=rows):
            # A faded memory's vector is null on purpose (its compressed form is in qvec).
            retrying(
                lambda: (
                    self._table.merge_insert("id")
                    .when_matched_update_all()
                    .execute(data, on_bad_vectors="null")
                ),
                self._catch_up,
            )
