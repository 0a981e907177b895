"""A compact briefing of one project for an agent starting work: what to know first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel

from memd.errors import InvalidInputError
from memd.records import Kind, MemoryRecord

if TYPE_CHECKING:
    from memd.store import Store

# A token is about four characters of English; good enough to size a briefing.
CHARS_PER_TOKEN = 4
OPEN_TAGS = {"todo", "open", "bug", "problem", "blocked", "wip"}


class Briefing(BaseModel):
    project: str
    text: str
    memory_ids: list[str]
    truncated: bool


def _section_members(records: Sequence[MemoryRecord]) -> list[tuple[str, list[MemoryRecord]]]:
    pinned = [r for r in records if r.pinned]
    rest = [r for r in records if not r.pinned]
    rules = [r for r in rest if r.kind in (Kind.PREFERENCE, Kind.PROCEDURAL)]
    decisions = [r for r in rest if r.kind is Kind.DECISION]
    facts = [r for r in rest if r.kind is Kind.SEMANTIC]
    open_problems = [r for r in rest if r.kind is Kind.EPISODIC and OPEN_TAGS & set(r.tags)]
    recent = [r for r in rest if r.kind is Kind.EPISODIC and not OPEN_TAGS & set(r.tags)]
    return [
        ("Pinned", pinned),
        ("Conventions and how-tos", rules),
        ("Decisions", decisions),
        ("Open problems", open_problems),
        ("Facts", facts),
        ("Recent events", recent),
    ]


def build_briefing(project: str, records: Sequence[MemoryRecord], max_tokens: int) -> Briefing:
    """Newest first within each section; pinned first of all; cut to ``max_tokens``."""
    budget = max(64, max_tokens) * CHARS_PER_TOKEN
    lines = [f"# memd briefing: {project}"]
    used = len(lines[0])
    ids: list[str] = []
    truncated = False
    for title, members in _section_members(records):
        if not members:
            continue
        header = f"\n## {title}"
        if used + len(header) > budget:
            truncated = True
            break
        lines.append(header)
        used += len(header)
        for r in members:
            line = f"- {r.text} ({r.created_at:%Y-%m-%d}, id {r.id[:8]})"
            if used + len(line) + 1 > budget:
                truncated = True
                break
            lines.append(line)
            used += len(line) + 1
            ids.append(r.id)
    if not ids:
        lines.append("\nNo memories for this project yet.")
    return Briefing(project=project, text="\n".join(lines), memory_ids=ids, truncated=truncated)


# The briefing reads at most this many of a project's newest current memories.
SCAN_LIMIT = 2_000


def brief_project(store: Store, project: str, max_tokens: int) -> Briefing:
    """The briefing of ``project`` read straight from ``store``: a scan, no model, no index.

    Without a task there is nothing to search for, so neither the embedding model nor the
    in-RAM index is needed; a cold hook can brief from the table alone.
    """
    from memd.store.filters import Filter

    if not 50 <= int(max_tokens) <= 100_000:
        raise InvalidInputError(
            f"max_tokens={max_tokens} is outside 50..100000", hint="Ask for 200 to 4000 tokens."
        )
    rows = store.scan(Filter(projects=(project,), include_superseded=False), limit=SCAN_LIMIT)
    return build_briefing(project, [MemoryRecord.from_row(r) for r in rows], int(max_tokens))
