"""Retrieval: seven channels that each propose scored candidates, and their fusion.

The service only sees :class:`Retriever`; :func:`build_channels` assembles the
default set over one in-RAM :class:`MemoryIndex`.
"""

from __future__ import annotations

from memd.retrieval.associative import AssociativeChannel
from memd.retrieval.author import Authorship
from memd.retrieval.base import MAX_QUERY_CHARS, Candidate, Channel, Query, Ranked, keyword_terms
from memd.retrieval.brevity import Brevity
from memd.retrieval.consolidation import ConsolidationChannel
from memd.retrieval.engine import Retriever
from memd.retrieval.entity import EntityChannel
from memd.retrieval.fusion import Fused, FusionMethod, fuse
from memd.retrieval.index import MemoryIndex
from memd.retrieval.keyword import ExpansionChannel, KeywordChannel
from memd.retrieval.semantic import SemanticChannel
from memd.retrieval.spreading import SpreadingChannel
from memd.retrieval.temporal import TemporalChannel
from memd.store import Store

CHANNEL_NAMES = ("semantic", "keyword", "entity", "temporal", "spreading", "consolidation", "associative")


def build_channels(
    store: Store,
    index: MemoryIndex | None = None,
    *,
    expansion: bool = False,
    floor_share: float | None = None,
) -> list[Channel]:
    """The seven channels, and with ``expansion`` BM25 over an LLM's additions to the query."""
    index = index or MemoryIndex(store)
    extra: list[Channel] = [ExpansionChannel(store, index)] if expansion else []
    keyword = KeywordChannel(store, index)
    return [
        SemanticChannel(index, floor_share),
        keyword,
        EntityChannel(index),
        TemporalChannel(index, keyword),
        SpreadingChannel(index),
        ConsolidationChannel(index),
        AssociativeChannel(index),
        *extra,
    ]


__all__ = [
    "CHANNEL_NAMES",
    "MAX_QUERY_CHARS",
    "AssociativeChannel",
    "Authorship",
    "Brevity",
    "Candidate",
    "Channel",
    "ConsolidationChannel",
    "EntityChannel",
    "ExpansionChannel",
    "Fused",
    "FusionMethod",
    "KeywordChannel",
    "MemoryIndex",
    "Query",
    "Ranked",
    "Retriever",
    "SemanticChannel",
    "SpreadingChannel",
    "TemporalChannel",
    "build_channels",
    "fuse",
    "keyword_terms",
]
