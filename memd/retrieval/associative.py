"""Associative recall with a modern Hopfield network.

The candidates' embeddings are the stored patterns X. Starting from the query,
xi <- X^T softmax(beta X xi) moves the state towards the pattern the cue belongs
to, pulled by every similar memory at once: a partial or paraphrased cue settles
on the memory it resembles as a whole rather than on one lucky word. The final
attention over the patterns is the channel's score.
"""

from __future__ import annotations

import numpy as np

from memd.retrieval.base import Candidate, Query, Scale
from memd.retrieval.index import MemoryIndex

POOL = 100
# Inverse temperature for unit vectors: cosines differ by ~0.1 between a match and
# a near miss, so beta 16 turns that into a factor of five in attention.
BETA = 16.0
STEPS = 3


def settle(
    patterns: np.ndarray,
    cue: np.ndarray,
    beta: float = BETA,
    steps: int = STEPS,
    prior: np.ndarray | None = None,
) -> np.ndarray:
    """The attention over ``patterns`` once the state has settled from ``cue``.

    ``prior`` (one weight per pattern) biases the energy towards patterns the other
    channels already found, so the state settles on a memory that both resembles the
    cue and has evidence behind it, not on the densest cluster of look-alikes.
    """
    xi = cue.astype(np.float32)
    p = np.full(len(patterns), 1.0 / max(1, len(patterns)), dtype=np.float32)
    bias = 0.0 if prior is None else np.log(np.maximum(prior / max(float(prior.sum()), 1e-12), 1e-6))
    for _ in range(steps):
        logits = beta * (patterns @ xi) + bias
        logits -= logits.max()
        p = np.exp(logits)
        p /= p.sum()
        xi = patterns.T @ p
        norm = float(np.linalg.norm(xi))
        if norm > 0:
            xi = xi / norm
    return p


class AssociativeChannel:
    name = "associative"
    stage = 2
    scale: Scale = "max"

    def __init__(self, index: MemoryIndex, *, use_prior: bool = True) -> None:
        self._index = index
        self.use_prior = use_prior

    def search(self, query: Query, limit: int) -> list[Candidate]:
        index = query.view(self._index)
        found = [(s, index.row(s.id)) for s in query.seeds[:POOL]]
        seeds = [s for s, r in found if r is not None]
        rows = [r for _, r in found if r is not None]
        if len(seeds) < 2:
            return []
        prior = np.array([max(s.score, 0.0) for s in seeds], dtype=np.float32)
        p = settle(index.matrix.take(rows), query.vector, prior=prior if self.use_prior else None)
        order = np.argsort(-p, kind="stable")[:limit]
        return [Candidate(str(index.ids[rows[i]]), float(p[i])) for i in order]
