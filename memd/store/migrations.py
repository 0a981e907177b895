"""Schema migrations: each step upgrades a store from version N to N+1, in place, under
the write lock, and can be run again if it was interrupted half-way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa

from memd.sessions import attach_context
from memd.store.schema import LINK_SCHEMA, LINKS_TABLE, ensure_indexes


def _v1_to_v2(db: Any, table: Any) -> None:
    """Version 2 adds the table of explicit links between memories."""
    db.create_table(LINKS_TABLE, schema=LINK_SCHEMA, exist_ok=True)


def _v2_to_v3(db: Any, table: Any) -> None:
    """Version 3 keeps record time apart from edits (recorded_at) and when a fact
    stopped being true (valid_to): event time, record time and validity, bitemporally."""
    have = set(table.schema.names)  # a migration interrupted half-way is run again
    if "recorded_at" not in have:
        table.add_columns({"recorded_at": "updated_at"})
    if "valid_to" not in have:
        table.add_columns(pa.field("valid_to", pa.timestamp("us", tz="UTC")))


def _v3_to_v4(db: Any, table: Any) -> None:
    """Version 4 lets faded memories keep a compressed vector (``qvec``)."""
    if "qvec" not in set(table.schema.names):
        table.add_columns(pa.field("qvec", pa.binary()))


def _v4_to_v5(db: Any, table: Any) -> None:
    """Version 5 indexes ``search_text`` (an episode with the one before it in its
    session) for full text instead of ``text``; existing episodes get their context."""
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
    ensure_indexes(table)
    for index in table.list_indices():
        if list(index.columns) == ["text"]:
            table.drop_index(index.name)
    # The merge rewrote the rows it touched into new fragments the id index does not
    # cover yet: reads by id were 30 % slower until this (100k memories: ~12 s in all).
    table.optimize()


def _v5_to_v6(db: Any, table: Any) -> None:
    """Version 6 records who said or wrote a memory (``author``); older ones have none."""
    if "author" not in set(table.schema.names):
        table.add_columns(pa.field("author", pa.string()))


def _v6_to_v7(db: Any, table: Any) -> None:
    """Version 7 lets a memory name the code it describes (``anchors``, memd.anchors)."""
    if "anchors" not in set(table.schema.names):
        table.add_columns(pa.field("anchors", pa.string()))


# Each entry upgrades a store from version N to N+1, in place, under the write lock.
MIGRATIONS: dict[int, Callable[[Any, Any], None]] = {
    1: _v1_to_v2,
    2: _v2_to_v3,
    3: _v3_to_v4,
    4: _v4_to_v5,
    5: _v5_to_v6,
    6: _v6_to_v7,
}
