"""A memory record built by hand, for tests of pure functions (briefings, sifting) that take
records rather than a store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from memd.records import Kind, MemoryRecord

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


def record(
    text: str,
    kind: Kind = Kind.EPISODIC,
    author: str | None = None,
    *,
    n: int = 0,
    source: str = "import",
    source_id: str | None = None,
) -> MemoryRecord:
    """Record ``n`` (its id's digits), written ``n`` minutes before :data:`NOW`."""
    at = NOW - timedelta(minutes=n)
    return MemoryRecord(
        id=f"{n:08d}-0000-0000-0000-000000000000",
        text=text,
        kind=kind,
        project="p",
        author=author,
        source=source,
        source_id=source_id,
        content_hash=f"h{n}",
        created_at=at,
        updated_at=at,
        last_accessed_at=at,
    )
