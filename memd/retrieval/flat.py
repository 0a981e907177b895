"""Per-row data of the index kept as flat arrays instead of Python objects.

At 100k memories a list of small tuples (a row's session neighbours, its entities)
costs ~13 MB and a dict from id to row with its strings ~12 MB; the same as numpy
arrays cost ~1 and ~2 MB. The arrays are built at a full load of the index; rows
written since live in small dicts on top of them until the next full load.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np


class Ragged:
    """``ragged[i]`` is row ``i``'s tuple. Values are int32 codes, turned back into
    ``labels[code]`` when labels are given (entity names) and into ints otherwise.

    Shared by the snapshots taken since the last load, like the list it replaces: a
    reader may see a row appended after its snapshot, which callers already skip."""

    __slots__ = ("_offsets", "_values", "_labels", "_base", "_size", "_extra")

    def __init__(self, offsets: np.ndarray, values: np.ndarray, labels: Sequence[Any] | None = None) -> None:
        self._offsets = offsets
        self._values = values
        self._labels = labels
        self._base = len(offsets) - 1
        self._size = self._base
        self._extra: dict[int, tuple[Any, ...]] = {}

    @classmethod
    def empty(cls) -> Ragged:
        return cls(np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32))

    @classmethod
    def from_pairs(
        cls, rows: np.ndarray, values: np.ndarray, n: int, labels: Sequence[Any] | None = None
    ) -> Ragged:
        """Row ``rows[j]`` holds ``values[j]``; within a row, values keep their order."""
        rows = np.asarray(rows, dtype=np.int64)
        order = np.argsort(rows, kind="stable")
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=offsets[1:])
        return cls(offsets, np.asarray(values, dtype=np.int32)[order], labels)

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, i: int) -> tuple[Any, ...]:
        got = self._extra.get(i)
        if got is not None:
            return got
        if not 0 <= i < self._base:
            if 0 <= i < self._size:
                return ()
            raise IndexError(i)
        codes = self._values[self._offsets[i] : self._offsets[i + 1]].tolist()
        if self._labels is None:
            return tuple(codes)
        labels = self._labels
        return tuple(labels[c] for c in codes)

    def sizes(self, rows: np.ndarray) -> np.ndarray:
        """How many values each of ``rows`` holds, at once (0 for -1)."""
        rows = np.asarray(rows, dtype=np.int64)
        out = np.zeros(len(rows), dtype=np.int64)
        base = (rows >= 0) & (rows < self._base)
        out[base] = self._offsets[rows[base] + 1] - self._offsets[rows[base]]
        if self._extra:
            for j, i in enumerate(rows.tolist()):
                got = self._extra.get(i)
                if got is not None:
                    out[j] = len(got)
        return out

    def __setitem__(self, i: int, value: Sequence[Any]) -> None:
        if not 0 <= i < self._size:
            raise IndexError(i)
        self._extra[i] = tuple(value)

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return (self[i] for i in range(self._size))

    def counts(self, rows: np.ndarray) -> dict[Any, int]:
        """How many of ``rows`` hold each value (a value twice in one row counts twice)."""
        rows = np.asarray(rows, dtype=np.int64)
        edited = np.array([r in self._extra for r in rows.tolist()], dtype=bool) if self._extra else None
        base = rows[(rows < self._base) & (~edited if edited is not None else True)]
        out: dict[Any, int] = {}
        if len(base):
            starts, ends = self._offsets[base], self._offsets[base + 1]
            lengths = ends - starts
            total = int(lengths.sum())
            if total:
                # Every value position of the rows at once: each row's start, then +1 per value.
                shift = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
                codes = self._values[np.arange(total) + shift]
                found, times = np.unique(codes, return_counts=True)
                labels = self._labels
                for code, n in zip(found.tolist(), times.tolist(), strict=True):
                    key = labels[code] if labels is not None else code
                    out[key] = out.get(key, 0) + n
        for r in rows[~np.isin(rows, base)].tolist() if len(base) < len(rows) else ():
            for value in self[r] if r < self._size else ():
                out[value] = out.get(value, 0) + 1
        return out

    def append(self, value: Sequence[Any]) -> None:
        if value:
            self._extra[self._size] = tuple(value)
        self._size += 1


class Ids:
    """Row -> id and id -> row. Ids are stored as bytes in one array and found by binary
    search over the rows of the last full load; rows appended since are found in a
    dict shared by every ``Ids`` made from this one (it only gains keys, so a reader
    of an older snapshot is never told about a row it does not have: see ``row``)."""

    __slots__ = ("_codes", "_sorter", "_base", "_extra")

    def __init__(self, ids: Sequence[str] | np.ndarray) -> None:
        self._codes = _encode(ids)
        self._sorter = np.argsort(self._codes, kind="stable").astype(np.int32)
        self._base = len(self._codes)
        self._extra: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._codes)

    def __getitem__(self, i: int) -> str:
        return bytes(self._codes[i]).decode()

    def row(self, id_: str) -> int | None:
        i = self._extra.get(id_)
        if i is None and self._base:
            key = id_.encode()
            j = int(np.searchsorted(self._codes[: self._base], key, sorter=self._sorter))
            if j < self._base and self._codes[self._sorter[j]] == key:
                i = int(self._sorter[j])
        return i if i is not None and i < len(self._codes) else None

    def rows(self, ids: Sequence[str]) -> np.ndarray:
        """``row`` of each id at once; -1 where unknown."""
        out = np.full(len(ids), -1, dtype=np.int64)
        if not len(ids):
            return out
        if self._base:
            keys = _encode(ids)
            j = np.searchsorted(self._codes[: self._base], keys, sorter=self._sorter)
            j = np.minimum(j, self._base - 1)
            rows = self._sorter[j]
            found = self._codes[rows] == keys
            out[found] = rows[found]
        if self._extra:
            for k, id_ in enumerate(ids):
                i = self._extra.get(id_)
                if i is not None:
                    out[k] = i
        out[out >= len(self._codes)] = -1
        return out

    def appended(self, ids: Sequence[str]) -> Ids:
        """These ids plus ``ids`` as the next rows; ``self`` keeps its length."""
        new = object.__new__(Ids)
        n0 = len(self._codes)
        added = _encode(ids)
        width = max(self._codes.dtype.itemsize, added.dtype.itemsize)
        new._codes = np.concatenate([self._codes.astype(f"S{width}"), added.astype(f"S{width}")])
        new._sorter, new._base, new._extra = self._sorter, self._base, self._extra
        for k, id_ in enumerate(ids):
            self._extra[id_] = n0 + k
        return new


def _encode(ids: Sequence[str] | np.ndarray) -> np.ndarray:
    # numpy's own str -> bytes conversion is ASCII only; ids are UTF-8 by contract.
    return np.array([i.encode() for i in ids], dtype=bytes) if len(ids) else np.zeros(0, dtype="S1")
