"""What the learner's memories are marked with, shared by the library and the service.

A distilled memory carries its *slot* in ``source_id`` (``memd:slot:<subject>|<aspect>``)
and a ``derived_from`` link to each turn it was read from; recall's priors
(memd.retrieval.rules, provenance, sections) and the dashboard read these marks, the
learner (memd.service.learning) writes them.
"""

from __future__ import annotations

from typing import Protocol

from memd.distill.distiller import Statement
from memd.records import Source

SLOT_PREFIX = "memd:slot:"
DISTILLED_TAG = "distilled"
REVIEW_TAG = "review"
DERIVED = "derived_from"
# Where conversation comes from: imported transcripts and chats, watched sessions, the
# hooks' records and what an agent stores over MCP. A note stored through the library or
# typed with `memd remember` is kept as given (its caller can pass a kind).
LEARN_FROM = frozenset({Source.IMPORT.value, Source.WATCH.value, Source.MCP.value, "hook"})
DISTILLED_IMPORTANCE = 0.7


class Reader(Protocol):
    """What reads statements out of a turn: the rules (memd.distill.distiller), or the
    rules and a local model (memd.distill.llm)."""

    def distill(self, text: str, *, author: str | None = None) -> list[Statement]: ...
