"""Combining channel results into one ranking."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from memd.records import ChannelScore
from memd.retrieval.base import Candidate, Scale

FusionMethod = Literal["weighted", "rrf"]


@dataclass(frozen=True)
class Fused:
    id: str
    score: float
    channels: Mapping[str, tuple[float, int]]  # channel -> (its score, its rank)


class _Found(Mapping[str, tuple[float, int]]):
    """Which channels found one id, looked up when asked: a recall fuses ~1,000
    candidates into a pool of 100 and returns 10, and building every pool member's
    map cost 1 ms."""

    __slots__ = ("_by_channel", "_id", "_map")

    def __init__(self, by_channel: dict[str, dict[str, tuple[float, int]]], id_: str) -> None:
        self._by_channel = by_channel
        self._id = id_
        self._map: dict[str, tuple[float, int]] | None = None

    def _get(self) -> dict[str, tuple[float, int]]:
        if self._map is None:
            self._map = {name: got[self._id] for name, got in self._by_channel.items() if self._id in got}
        return self._map

    def __getitem__(self, name: str) -> tuple[float, int]:
        if self._map is None:
            got = self._by_channel.get(name)
            if got is None:
                raise KeyError(name)
            return got[self._id]
        return self._map[name]

    def __contains__(self, name: object) -> bool:
        if self._map is None:
            got = self._by_channel.get(name) if isinstance(name, str) else None
            return got is not None and self._id in got
        return name in self._map

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


def fuse(
    results: dict[str, list[Candidate]],
    weights: dict[str, float],
    *,
    scales: dict[str, Scale] | None = None,
    method: FusionMethod = "weighted",
    rrf_k: int = 60,
    limit: int | None = None,
) -> list[Fused]:
    """One ranking from several channels' candidates (the best ``limit`` of it).

    ``weighted``: each channel's scores go to [0, 1] (by its best score, or over
    its min-max range for cosines that crowd into a narrow band), then are summed
    with the channel weights (a channel's ``Ranked.floor``, when it gives one, is the
    bottom of that range). Unlike rank fusion, a weak channel's top hit does
    not count as much as a strong channel's: on LoCoMo naive RRF of BM25 and
    dense falls below BM25 alone, weighted score fusion rises above both.
    """
    scales = scales or {}
    totals: dict[str, float] = {}
    found: dict[str, dict[str, tuple[float, int]]] = {}  # channel -> id -> (score, rank)
    for name, cands in results.items():
        if not cands:
            continue
        weight = weights.get(name, 1.0)
        scores = [c.score for c in cands]
        if method == "rrf":
            parts = [weight * (1.0 / (rrf_k + rank)) for rank in range(1, len(cands) + 1)]
        elif scales.get(name, "max") == "minmax":
            floor = getattr(cands, "floor", None)
            worst = min(scores) if floor is None else min(floor, min(scores))
            span = max(scores) - worst
            parts = [weight * ((x - worst) / span) for x in scores] if span > 1e-9 else [weight] * len(scores)
        else:
            best = max(scores)
            parts = [weight * (x / best) for x in scores] if best > 0 else [0.0] * len(scores)
        ids = [c.id for c in cands]
        for id_, part in zip(ids, parts, strict=True):
            totals[id_] = totals.get(id_, 0.0) + part
        # Rank info is kept per channel and looked up for the returned hits only: ~1,000
        # candidates a query, a few dozen returned.
        found[name] = {id_: (x, rank) for rank, (id_, x) in enumerate(zip(ids, scores, strict=True), start=1)}
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    if limit is not None:
        ranked = ranked[:limit]
    return [Fused(id_, score, _Found(found, id_)) for id_, score in ranked]


def explain(fused: Fused) -> dict[str, ChannelScore]:
    """The channels that found a hit, as the public record type (built for returned hits only:
    fusion sees ~1,000 candidates a query and pydantic models cost microseconds each)."""
    return {name: ChannelScore.model_construct(score=s, rank=r) for name, (s, r) in fused.channels.items()}
