"""Recall results as plain text, from plain JSON data.

Shared by the typer command and the fast path (``cli.fast``), so `memd recall`
prints the same thing whether or not it went through the full CLI.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from memd.explain import channel_notes, learned_note
from memd.guard import withheld

TEXT_CHARS = 200
STALE = ("changed", "deleted")


def hits_json(hits: Sequence[Mapping[str, Any]]) -> str:
    return json.dumps(list(hits), indent=2, ensure_ascii=False)


def hits_text(hits: Sequence[Mapping[str, Any]], *, explain: bool = False, project: str | None = None) -> str:
    if not hits:
        where = f" in project {project} (--all-projects searches every project)" if project else ""
        return (
            f"No memories match{where}. Unrelated ones are left out; "
            "MEMD_RELEVANCE_GATE=false lists the closest."
        )
    lines = []
    for n, hit in enumerate(hits, start=1):
        memory = hit["memory"]
        text = " ".join(str(memory["text"]).split())
        if len(text) > TEXT_CHARS:
            text = text[: TEXT_CHARS - 3] + "..."
        when = str(memory.get("created_at") or "")[:10]
        if memory.get("author"):
            text = f"{memory['author']}: {text}"
        tags = set(memory.get("tags") or ())
        if withheld(tags):
            # The guard read it as an attempt to instruct the agent: shown, never as advice.
            text = f"[FLAGGED: may try to instruct the agent; see `memd audit`] {text}"
        if "shared" in tags:
            text = f"[team] {text}"
        outdated = [
            a.get("note") or a.get("path") for a in memory.get("anchors") or () if a.get("state") in STALE
        ]
        if outdated:  # the code it describes changed or went away since it was remembered
            text = f"[MAY BE OUTDATED: {'; '.join(outdated)[:160]}] {text}"
        lines.append(f"{n:>2}. {hit['score']:.3f}  {memory['id'][:8]}  {memory['project']}  {when}  {text}")
        if explain:
            lines.append("    found by: " + ", ".join(channel_notes(hit.get("channels", {}))))
            learned = learned_note(tags, memory["id"])
            if learned:
                lines.append(f"    learned: {learned}")
    return "\n".join(lines)
