"""Turning memd's results into terminal output (rich) or JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from memd.explain import channel_note
from memd.guard import withheld

# Soft wrap: a line holding an id, a path or a command must stay one line to copy it.
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def as_json(value: Any) -> str:
    def plain(v: Any) -> Any:
        if isinstance(v, BaseModel):
            return v.model_dump(mode="json")
        if isinstance(v, list | tuple):
            return [plain(x) for x in v]
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        return v

    return json.dumps(plain(value), indent=2, ensure_ascii=False)


def print_json(value: Any) -> None:
    sys.stdout.write(as_json(value) + "\n")


def short_time(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "-"


def memories_table(records: Iterable[Any], title: str | None = None) -> Table:
    table = Table(title=title, show_lines=False)
    table.add_column("id", style="cyan", no_wrap=True)
    table.add_column("when", no_wrap=True)
    table.add_column("kind")
    table.add_column("project")
    table.add_column("text", overflow="fold")
    for r in records:
        text = r.text if len(r.text) <= 160 else r.text[:157] + "..."
        table.add_row(r.id[:8], short_time(r.created_at), r.kind.value, r.project, text)
    return table


def hits_table(hits: Iterable[Any], *, explain: bool = False, title: str | None = None) -> Table:
    table = Table(title=title)
    table.add_column("#", justify="right")
    table.add_column("score", justify="right")
    table.add_column("id", style="cyan", no_wrap=True)
    if explain:
        table.add_column("channels (score, rank)")
    table.add_column("text", overflow="fold")
    for n, h in enumerate(hits, start=1):
        text = h.memory.text if len(h.memory.text) <= 200 else h.memory.text[:197] + "..."
        if withheld(h.memory.tags):
            # The guard read it as an attack on the agent: shown, but never as advice.
            text = f"[FLAGGED: may try to instruct the agent; `memd audit`] {text}"
        row = [str(n), f"{h.score:.3f}", h.memory.id[:8]]
        if explain:
            notes = [channel_note(name, c.score, c.rank) for name, c in sorted(h.channels.items())]
            row.append("\n".join(notes))
        table.add_row(*row, text)
    return table


# How a link reads from either end: (seen from its source, seen from its target).
_LINK_WORDS = {
    "derived_from": ("read from", "rule read from it"),
    "supersedes": ("replaces", "replaced by"),
    "consolidates": ("summarises", "summarised in"),
}


def link_lines(id: str, links: list[dict[str, Any]]) -> list[str]:
    """One line per link of memory ``id``: "read from 1a2b3c4d", "replaced by 5e6f7a8b"."""
    out = []
    for link in links:
        outward = link["src"] == id
        words = _LINK_WORDS.get(link["relation"], (link["relation"], f"{link['relation']} (from)"))
        other = link["dst"] if outward else link["src"]
        out.append(f"{words[0] if outward else words[1]}: {other}")
    return sorted(out)


def record_panel(r: Any) -> Table:
    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for name, value in r.model_dump(mode="json").items():
        if isinstance(value, list):
            value = ", ".join(value) or "-"
        table.add_row(name, "-" if value is None else str(value))
    return table
