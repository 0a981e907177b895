"""Persistence: the :class:`Store` Protocol and its LanceDB implementation.

- :mod:`~memd.store.schema` — tables, columns, indexes, the schema version;
- :mod:`~memd.store.migrations` — upgrading an older store in place;
- :mod:`~memd.store.lance` — opening a store and every write (one commit each);
- :mod:`~memd.store.reads` — lookups, scans, full-text search;
- :mod:`~memd.store.filters` — the filters every read takes, in SQL and in RAM;
- :mod:`~memd.store.lock` — the one-writer lock across threads and processes.
"""

from memd.store.base import Store, StoreChange
from memd.store.lance import INDEX_CACHE_BYTES, METADATA_CACHE_BYTES, LanceStore
from memd.store.schema import (
    HIT_COLUMNS,
    INDEX_COLUMNS,
    LINK_SCHEMA,
    LINKS_TABLE,
    META_TABLE,
    RECORD_COLUMNS,
    SCHEMA_VERSION,
    STRENGTH_COLUMNS,
    TABLE,
    TIME_COLUMNS,
    Row,
    memory_schema,
)

__all__ = [
    "HIT_COLUMNS",
    "INDEX_CACHE_BYTES",
    "INDEX_COLUMNS",
    "LINKS_TABLE",
    "LINK_SCHEMA",
    "METADATA_CACHE_BYTES",
    "META_TABLE",
    "RECORD_COLUMNS",
    "SCHEMA_VERSION",
    "STRENGTH_COLUMNS",
    "TABLE",
    "TIME_COLUMNS",
    "LanceStore",
    "Row",
    "Store",
    "StoreChange",
    "memory_schema",
]
