"""Sessions: which episodes belong together, and the text the keyword index sees.

Episodes of one project recorded within ``SESSION_GAP_US`` of each other form a session
(the turns of a conversation, the steps of a bug hunt). An answer is often worded
apart from the question it answers: "we picked Postgres" follows "which database for
the billing service?". So the full-text index holds each episode's text followed by the
episode before it in its session (``search_text``), and a query in the question's words
finds the answer too. On LoCoMo this took BM25 alone from 0.557 to 0.618 R@5, and the
fused recall from 0.606 to 0.656. Facts, procedures and document sections are indexed as
they are: they stand on their own.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from datetime import datetime
from typing import Any

SESSION_GAP_US = 30 * 60 * 1_000_000
EPISODIC = "episodic"
# The previous episode adds at most this much: a pasted log must not drown the answer
# (BM25 normalises by document length).
CONTEXT_CHARS = 1_000


def keyword_document(text: str, previous: str | None) -> str:
    return text if not previous else f"{text}\n{previous[:CONTEXT_CHARS]}"


def _us(value: datetime | int) -> int:
    return value if isinstance(value, int) else int(value.timestamp() * 1_000_000)


def attach_context(
    rows: Sequence[MutableMapping[str, Any]], before: Mapping[str, tuple[int, str]] | None = None
) -> None:
    """Set every row's ``search_text``. ``rows`` are in write order (it breaks ties of
    time); ``before`` maps a project to (time in µs, text) of its latest stored episode,
    the context of the first new one when close enough."""
    last = dict(before or {})
    order = sorted(range(len(rows)), key=lambda i: (rows[i]["project"], _us(rows[i]["created_at"]), i))
    for i in order:
        row = rows[i]
        if row["kind"] != EPISODIC:
            row["search_text"] = row["text"]
            continue
        at = _us(row["created_at"])
        prev = last.get(row["project"])
        close = prev is not None and abs(at - prev[0]) <= SESSION_GAP_US
        row["search_text"] = keyword_document(row["text"], prev[1] if close and prev else None)
        last[row["project"]] = (at, row["text"])
