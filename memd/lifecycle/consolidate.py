"""Consolidation without an LLM: clusters of related episodes become one piece of knowledge.

Episodes of one project whose vectors are close and that name a common entity
(or are very close) form a cluster. Each cluster of at least ``min_size`` becomes
a semantic memory whose text is extractive: the sentences most typical of the
cluster, with the span of dates. It links to its sources with ``consolidates``;
the sources stay, weakened (stability shrinks), never deleted. The retrieval
channel of the same name searches the knowledge first and descends to episodes.

An LLM can replace :class:`ExtractiveSummarizer` with abstractive summaries
behind the same :class:`Summarizer` seam.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import numpy as np

_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Episode:
    id: str
    text: str
    project: str
    created_at: datetime
    entities: tuple[str, ...]


@dataclass(frozen=True)
class Cluster:
    project: str
    members: tuple[Episode, ...]
    central: tuple[int, ...]  # member positions, most typical first


class Summarizer(Protocol):
    def summarize(self, cluster: Cluster) -> str: ...


class ExtractiveSummarizer:
    """The most typical members' first sentences, with the dates they span."""

    def __init__(self, sentences: int = 3, max_chars: int = 600) -> None:
        self._sentences = sentences
        self._max_chars = max_chars

    def summarize(self, cluster: Cluster) -> str:
        picked: list[str] = []
        for i in cluster.central:
            first = _SENTENCE.split(cluster.members[i].text.strip(), maxsplit=1)[0]
            if first and first not in picked:
                picked.append(first)
            if len(picked) == self._sentences:
                break
        times = sorted(m.created_at for m in cluster.members)
        span = f"{times[0]:%Y-%m-%d}" + (
            f" to {times[-1]:%Y-%m-%d}" if times[-1].date() != times[0].date() else ""
        )
        body = " / ".join(picked)
        if len(body) > self._max_chars:
            body = body[: self._max_chars - 1].rstrip() + "…"
        return f"{body} ({len(cluster.members)} related memories, {span})"


def find_clusters(
    episodes: Sequence[Episode],
    vectors: np.ndarray,
    *,
    close: float = 0.75,
    very_close: float = 0.85,
    min_size: int = 3,
    max_size: int = 20,
    common_entity_share: float = 0.2,
) -> list[Cluster]:
    """Connected groups under the rule: same project, and cosine >= ``very_close``, or
    cosine >= ``close`` with an entity in common that is not on most memories."""
    n = len(episodes)
    if n < min_size:
        return []
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    counts: dict[str, int] = {}
    for ep in episodes:
        for e in set(ep.entities):
            counts[e] = counts.get(e, 0) + 1
    background = {e for e, c in counts.items() if c > common_entity_share * n and n > 10}
    ents = [set(ep.entities) - background for ep in episodes]
    projects = np.array([ep.project for ep in episodes], dtype=object)
    # Blocks of rows keep memory flat: 100k episodes never build a 100k x 100k matrix.
    block = 1024
    for start in range(0, n, block):
        sims = vectors[start : start + block] @ vectors.T
        rows, cols = np.nonzero(sims >= close)
        for r, c in zip(rows, cols, strict=True):
            i = start + int(r)
            j = int(c)
            if j <= i or projects[i] != projects[j]:
                continue
            if sims[r, c] >= very_close or ents[i] & ents[j]:
                ri, rj = root(i), root(j)
                if ri != rj:
                    parent[rj] = ri
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(root(i), []).append(i)
    out = []
    for members in groups.values():
        if len(members) < min_size:
            continue
        sub = vectors[members]
        centre = sub.mean(axis=0)
        typical = np.argsort(-(sub @ centre), kind="stable")
        # Oversized groups keep their most typical members; the rest wait for a later pass.
        keep = typical[:max_size]
        chosen = [members[int(t)] for t in keep]
        out.append(
            Cluster(
                project=episodes[chosen[0]].project,
                members=tuple(episodes[i] for i in chosen),
                central=tuple(range(len(chosen))),
            )
        )
    return out
