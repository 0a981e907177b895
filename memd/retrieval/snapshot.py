"""The in-RAM snapshot a recall reads, and the helpers that turn store rows into its
columns. A snapshot never changes: a write publishes a new one (memd.retrieval.index)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from memd.retrieval.flat import Ids, Ragged
from memd.retrieval.ivf import Ivf
from memd.retrieval.vectors import Vectors
from memd.store.filters import Filter, _us
from memd.text import word_count

CONSOLIDATES = "consolidates"
Links = dict[int, list[tuple[int, str, bool]]]

# Record fields kept in RAM beside the ones retrieval itself reads (project, kind, created
# time, pinned, stability), so that a recall reads only the rest of its hits from the
# store (memd.store.HIT_COLUMNS): ~3 ms less per recall for ~5 MB at 100k memories.
# Each is held in ``cols["rec:<field>"]``; None/null is NULL_US, -1 or NaN.
NULL_US = np.iinfo(np.int64).min
TIME_FIELDS = ("updated_at", "last_recalled_at", "recorded_at", "valid_to")
TEXT_FIELDS = ("source", "tier", "superseded_by", "author", "source_id")
MIRRORED = (*TIME_FIELDS, *TEXT_FIELDS, "recall_count", "importance")


def entities_of(entities: pa.ListArray, position: np.ndarray, n: int) -> tuple[dict[str, np.ndarray], Ragged]:
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
            "created_at": as_datetime(int(cols["created_us"][row])),
            "pinned": bool(cols["pinned"][row]),
            "stability": float(cols["stability"][row]),
        }
        for f in TIME_FIELDS:
            us = int(cols[f"rec:{f}"][row])
            out[f] = None if us == NULL_US else as_datetime(us)
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


def empty_snapshot(dim: int) -> Snapshot:
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


def knowledge_of(links: Links) -> frozenset[int]:
    return frozenset(
        r for r, edges in links.items() if any(rel == CONSOLIDATES and out for _, rel, out in edges)
    )


def us_of(value: datetime | int) -> int:
    return value if isinstance(value, int) else _us(value)


def columns_of(rows: Sequence[Mapping[str, Any]], dim: int) -> dict[str, Any]:
    return {
        "id": [r["id"] for r in rows],
        "vector": np.array([r.get("vector") or [0.0] * dim for r in rows], dtype=np.float32),
        "project": [r["project"] for r in rows],
        "kind": [r["kind"] for r in rows],
        "words": [word_count(r.get("text") or "") for r in rows],
        "created_us": [us_of(r["created_at"]) for r in rows],
        "tier": [r.get("tier") for r in rows],
        "superseded_by": [r.get("superseded_by") for r in rows],
        "entities": [r.get("entities") or () for r in rows],
        "source_id": [r.get("source_id") for r in rows],
        "pinned": [r.get("pinned") for r in rows],
        **{f: [r.get(f) for r in rows] for f in MIRRORED},
        "stability": [r.get("stability") for r in rows],
        "last_us": last_us_of(
            [r.get("last_recalled_at") for r in rows],
            [r.get("recorded_at") for r in rows],
            [r.get("updated_at") or r["created_at"] for r in rows],
        ),
    }


def last_us_of(recalled: Sequence[Any], recorded: Sequence[Any], updated: Sequence[Any]) -> list[int]:
    """When each memory was last reinforced: its last recall, else when it was recorded."""
    return [us_of(a or b or c) for a, b, c in zip(recalled, recorded, updated, strict=True)]


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def as_datetime(us: int) -> datetime:
    # Exact to the microsecond, as the store gives it (fromtimestamp goes through a float).
    return EPOCH + timedelta(microseconds=us)


def shared_strings(values: pa.ChunkedArray) -> np.ndarray:
    """An object array whose equal strings are one Python object (tiers, sources): a
    string per row would cost ~50 bytes a row."""
    encoded = values.combine_chunks().dictionary_encode()
    names = np.array([*encoded.dictionary.to_pylist(), None], dtype=object)
    codes = pc.fill_null(encoded.indices, len(names) - 1).to_numpy(zero_copy_only=False)
    return names[np.asarray(codes, dtype=np.int64)]


def mirrored(field: str, values: Sequence[Any], dtype: np.dtype) -> np.ndarray:
    """Python values of a mirrored record field as its RAM column holds them."""
    if field in TIME_FIELDS:
        return np.array([NULL_US if v is None else us_of(v) for v in values], dtype=np.int64)
    if field == "recall_count":
        return np.array([-1 if v is None else int(v) for v in values], dtype=np.int32)
    if field == "importance":
        return np.array([np.nan if v is None else v for v in values], dtype=np.float32)
    return np.array(list(values), dtype=object) if len(values) else np.empty(0, dtype=dtype)
