"""Inverted lists over the in-RAM vectors: spherical k-means clusters, searched by
reading the lists nearest the query (used above 20,000 memories)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from memd.retrieval.vectors import Vectors

# Below this many rows an exact scan is fast enough (and exact); above it, an IVF.
IVF_MIN_ROWS = 20_000
# An IVF list holds ~400 rows; a query reads at least 15 % of the lists and keeps reading
# until enough rows pass its filter. Recall@10 against exact search on 100k distinct texts:
# 0.74 at 10 %, 0.82 at 15 %, 0.86 at 20 % (benchmarks/scale.py, BENCHMARKS.md).
ROWS_PER_LIST = 400
MIN_PROBE_SHARE = 0.15
MIN_CANDIDATES = 1_000


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


def assign(vectors: np.ndarray, centroids: np.ndarray, block: int = 8192) -> np.ndarray:
    return np.concatenate(
        [np.argmax(vectors[i : i + block] @ centroids.T, axis=1) for i in range(0, len(vectors), block)]
    )
