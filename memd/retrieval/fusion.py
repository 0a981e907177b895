"""Combining channel results into one ranking."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from memd.records import ChannelScore
from memd.retrieval.base import Candidate, Scale

FusionMethod = Literal["weighted", "rrf"]


@dataclass(frozen=True)
class Fused:
    id: str
    score: float
    channels: dict[str, tuple[float, int]]  # channel -> (its score, its rank)


def fuse(
    results: dict[str, list[Candidate]],
    weights: dict[str, float],
    *,
    scales: dict[str, Scale] | None = None,
    method: FusionMethod = "weighted",
    rrf_k: int = 60,
) -> list[Fused]:
    """One ranking from several channels' candidates.

    ``weighted``: each channel's scores go to [0, 1] (by its best score, or over
    its min-max range for cosines that crowd into a narrow band), then are summed
    with the channel weights. Unlike rank fusion, a weak channel's top hit does
    not count as much as a strong channel's: on LoCoMo naive RRF of BM25 and
    dense falls below BM25 alone, weighted score fusion rises above both.
    """
    scales = scales or {}
    totals: dict[str, float] = {}
    seen: dict[str, dict[str, tuple[float, int]]] = {}
    for name, cands in results.items():
        weight = weights.get(name, 1.0)
        if not cands:
            continue
        best = max(c.score for c in cands)
        worst = min(c.score for c in cands)
        minmax = scales.get(name, "max") == "minmax"
        for rank, cand in enumerate(cands, start=1):
            seen.setdefault(cand.id, {})[name] = (cand.score, rank)
            if method == "rrf":
                contribution = 1.0 / (rrf_k + rank)
            elif minmax:
                span = best - worst
                contribution = (cand.score - worst) / span if span > 1e-9 else 1.0
            else:
                contribution = cand.score / best if best > 0 else 0.0
            totals[cand.id] = totals.get(cand.id, 0.0) + weight * contribution
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    return [Fused(i, s, seen[i]) for i, s in ranked]


def explain(fused: Fused) -> dict[str, ChannelScore]:
    """The channels that found a hit, as the public record type (built for returned hits only:
    fusion sees ~1,000 candidates a query and pydantic models cost microseconds each)."""
    return {name: ChannelScore.model_construct(score=s, rank=r) for name, (s, r) in fused.channels.items()}
