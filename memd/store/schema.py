"""The store's schema: its tables, columns and indexes, and the version they are at.

A change here is a new :data:`SCHEMA_VERSION` and a step in :mod:`memd.store.migrations`.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

SCHEMA_VERSION = 7
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
    "anchors",
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
HIT_COLUMNS = ["id", "text", "tags", "entities", "source_id", "content_hash", "anchors"]
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
            # Faded memories keep a compressed vector here and a null `vector` (memd.embedding.quantize).
            pa.field("qvec", pa.binary()),
            # What the full-text index reads: the text, and for an episode the episode
            # before it in its session (memd.sessions).
            pa.field("search_text", pa.string()),
            # Who said or wrote it (a speaker, "user", a commit's author): recall leans on a
            # person's own words when the query names them.
            pa.field("author", pa.string()),
            # The code it describes (memd.anchors): a JSON list, null for most memories.
            pa.field("anchors", pa.string()),
        ]
    )


# Columns that hold times: a journal or any JSON round trip must turn them back into datetimes.
TIME_COLUMNS = tuple(f.name for f in memory_schema(1) if pa.types.is_timestamp(f.type))


def ensure_indexes(table: Any) -> None:
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
