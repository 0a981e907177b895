"""How a hit was found, in words: shared by `memd recall --explain`, the MCP server and the
dashboard, so every edge explains a hit the same way. No imports: the CLI's fast path uses it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Factors on the rank a hit already had, not channels that found it.
FACTORS = ("author", "brevity")


def channel_note(name: str, score: float, rank: int) -> str:
    """One channel's part in a hit: "semantic 0.612 #1", or "author x1.20 (was #3)"."""
    if name in FACTORS:
        return f"{name} x{score:.2f} (was #{rank})"
    return f"{name} {score:.3f} #{rank}"


def learned_note(tags: set[str] | frozenset[str], memory_id: str) -> str | None:
    """Where a learned memory came from, or None for one stored as said."""
    if "digest" in tags:
        return "every rule in force for its subject, rebuilt when one changes"
    if "distilled" in tags:
        return f"read from conversation; `memd show {memory_id[:8]}` lists the turns"
    return None


def channel_notes(channels: Mapping[str, Mapping[str, Any]]) -> list[str]:
    return [channel_note(k, float(v["score"]), int(v["rank"])) for k, v in sorted(channels.items())]
