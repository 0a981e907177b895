"""The int8 in-RAM matrix (same rankings as float32 within its rounding error) and the flat per-row tuples."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from memd.retrieval.flat import Ids, Ragged
from memd.retrieval.vectors import BLOCK, VectorBuffer, Vectors, quantize


def unit(rng: np.random.Generator, n: int, dim: int = 384) -> np.ndarray:
    v = rng.standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_scores_match_float32_within_rounding():
    rng = np.random.default_rng(0)
    m = unit(rng, 3 * BLOCK + 17)  # several blocks and a ragged end
    q = m[5]
    vec = Vectors.of(m)
    exact = m @ q
    assert np.abs(vec.dot(q) - exact).max() < 2e-3
    assert np.abs(vec.dot(q, 100, BLOCK + 300) - exact[100 : BLOCK + 300]).max() < 2e-3
    rows = rng.choice(len(m), 2 * BLOCK + 5, replace=False)  # several blocks of rows too
    assert np.abs(vec.dot_rows(q, rows) - exact[rows]).max() < 2e-3
    assert np.abs(vec.take(rows[:10]) - m[rows[:10]]).max() < 4e-3
    assert int(np.argmax(vec.dot(q))) == 5
    assert vec.nbytes < m.nbytes / 3


def test_empty_ranges_and_zero_rows():
    vec = Vectors.of(np.zeros((3, 8), dtype=np.float32))
    assert np.all(vec.dot(np.ones(8, dtype=np.float32)) == 0)
    assert vec.dot(np.ones(8), 2, 2).shape == (0,)
    codes, scale = quantize(np.zeros((1, 8)))
    assert not codes.any() and scale[0] == 1.0
    assert len(Vectors.empty(8)) == 0


def test_buffer_grows_without_changing_older_views():
    rng = np.random.default_rng(1)
    buf = VectorBuffer(Vectors.empty(16))
    first = buf.append(unit(rng, 10, 16))
    before = first.dot(np.ones(16, dtype=np.float32)).copy()
    for _ in range(30):
        latest = buf.append(unit(rng, 100, 16))
    assert len(first) == 10 and len(latest) == 3010
    np.testing.assert_array_equal(first.dot(np.ones(16, dtype=np.float32)), before)
    v = unit(rng, 1, 16)[0]
    buf.set(3, v)
    assert np.abs(buf.view()[3] - v).max() < 4e-3


def test_concurrent_readers_get_their_own_scratch():
    rng = np.random.default_rng(2)
    m = unit(rng, 2 * BLOCK)
    vec = Vectors.of(m)
    queries = unit(rng, 8)
    want = [vec.dot(q) for q in queries]
    errors: list[int] = []

    def worker(i: int) -> None:
        for _ in range(20):
            if not np.array_equal(vec.dot(queries[i]), want[i]):
                errors.append(i)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


@pytest.mark.parametrize("dim", [1, 384])
def test_one_row(dim):
    v = np.full(dim, 1 / np.sqrt(dim), dtype=np.float32)
    assert abs(float(Vectors.of(v[None, :]).dot(v)[0]) - 1.0) < 2e-3


def test_ragged_rows_from_pairs_then_edits():
    # Row 0 holds (7, 3) in that order, row 1 nothing, row 2 holds (5,).
    r = Ragged.from_pairs(np.array([2, 0, 0]), np.array([5, 7, 3]), 3)
    assert [r[0], r[1], r[2]] == [(7, 3), (), (5,)]
    r[1] = (*r[1], 9)
    r.append(())
    r.append((4,))
    assert len(r) == 5 and list(r) == [(7, 3), (9,), (5,), (), (4,)]
    assert r.sizes(np.array([0, 1, 2, 3, 4, -1])).tolist() == [2, 1, 1, 0, 1, 0]
    with pytest.raises(IndexError):
        r[5]
    named = Ragged.from_pairs(np.array([1, 1]), np.array([1, 0]), 2, labels=["redis", "nginx"])
    assert named[0] == () and named[1] == ("nginx", "redis")
    assert len(Ragged.empty()) == 0


def test_ids_find_rows_before_and_after_appends():
    ids = Ids(["b2", "a1", "c3"])
    assert [ids[i] for i in range(3)] == ["b2", "a1", "c3"]
    assert (ids.row("a1"), ids.row("c3"), ids.row("zz"), ids.row("a")) == (1, 2, None, None)
    longer = ids.appended(["a-much-longer-id", "é-utf8"])  # wider than the stored width
    assert len(ids) == 3 and len(longer) == 5
    assert longer.row("é-utf8") == 4 and longer[3] == "a-much-longer-id"
    assert ids.row("é-utf8") is None  # the older view does not have that row
    assert longer.rows(["c3", "nope", "a-much-longer-id", "b2"]).tolist() == [2, -1, 3, 0]
    assert ids.rows(["a-much-longer-id"]).tolist() == [-1]
    empty = Ids(())
    assert empty.row("x") is None and empty.rows(["x"]).tolist() == [-1]
    assert empty.appended(["x"]).row("x") == 0


def test_ragged_counts_values_over_rows_including_edited_and_appended_ones():
    r = Ragged.from_pairs(np.array([0, 0, 1, 2, 2]), np.array([0, 1, 1, 1, 2]), 3, labels=["a", "b", "c"])
    assert r.counts(np.array([0, 1, 2, 2])) == {"a": 1, "b": 4, "c": 2}  # row 2 asked twice
    r[1] = ("c",)  # edited after the load: read from the row, not the arrays
    r.append(("a", "a"))
    assert r.counts(np.array([1, 3, 0])) == {"a": 3, "b": 1, "c": 1}
    assert r.counts(np.array([], dtype=np.int64)) == {}
