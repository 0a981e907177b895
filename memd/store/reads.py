"""The Store's reads on LanceDB: lookups by id, hash and source id, scans, full-text
search, links, and the columns the in-RAM retrieval index loads."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from memd.store.filters import Filter, sql_str
from memd.store.schema import (
    INDEX_COLUMNS,
    RECORD_COLUMNS,
    STRENGTH_COLUMNS,
    Row,
)
from memd.text import CJK_RE2

LOOP: Any
try:  # the loop LanceDB's sync API runs its async core on (see async_of)
    from lancedb.background_loop import LOOP
except ImportError:  # pragma: no cover - another LanceDB layout: the sync path is used
    LOOP = None

__all__ = ["LOOP", "LanceReads", "async_of"]


class LanceReads:
    """The read half of :class:`memd.store.lance.LanceStore` (which opens ``_table`` and
    ``_links`` and provides ``_async_table``)."""

    _table: Any
    _links: Any
    _dim: int

    def _async_table(self) -> Any | None:
        raise NotImplementedError

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

            found: list[Row] = LOOP.run(run()).to_pylist()
            return found
        query = self._table.search().select(columns)
        if where:
            query = query.where(where)
        rows: list[Row] = query.limit(limit).to_arrow().to_pylist()
        return rows

    def keyword(self, query: str, k: int, flt: Filter) -> list[tuple[str, float]]:
        where = flt.to_sql()
        table = self._async_table()
        if table is not None:

            async def run() -> pa.Table:
                search = table.query().nearest_to_text(query, columns="search_text").select(["id", "_score"])
                search = search.limit(k)
                return await (search.where(where) if where else search).to_arrow()  # a prefilter

            result = LOOP.run(run())
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

    def links_of(self, ids: Sequence[str]) -> list[Row]:
        if not ids:
            return []
        inl = ", ".join(sql_str(i) for i in ids)
        links: list[Row] = (
            self._links.search()
            .where(f"src IN ({inl}) OR dst IN ({inl})")
            .limit(100_000)
            .to_arrow()
            .to_pylist()
        )
        return links

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
            from memd.embedding.quantize import decode

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

    def counts_by(self, column: str) -> dict[str, int]:
        values = self._columns([column]).column(column)
        counts = pc.value_counts(values).to_pylist()
        return {str(c["values"]): int(c["counts"]) for c in counts}


def async_of(table: Any) -> Any | None:
    """LanceDB's async table behind a sync one, for the reads of a recall: the sync query
    builder asks LanceDB's event loop for the table's schema two or three times per
    query, one trip each (~1.3 ms of a 3.5 ms lookup at 100k); one coroutine makes one
    trip. The same table object, so it sees every write the sync one does. None (the
    sync path) if a LanceDB version lays this out differently."""
    inner = getattr(table, "_table", None)
    ok = (
        LOOP is not None
        and callable(getattr(inner, "query", None))
        and callable(getattr(inner, "version", None))
    )
    return inner if ok else None
