"""One rule read from a sentence, before it becomes a statement (shared by the frames)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Found:
    """One rule found in a sentence, before it becomes a statement."""

    aspect: str
    value: str
    target: str | None
    start: int
    end: int
    exclusive: bool = True
    replaces: str | None = None
    text: str | None = None  # the words to store, when not the span itself (a continuation)
