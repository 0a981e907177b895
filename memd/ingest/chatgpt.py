"""ChatGPT's data export (``conversations.json``): each conversation's visible thread.

The export is a list of conversations, each a tree of messages keyed by id (``mapping``):
an edited prompt or a regenerated answer is a branch, and ``current_node`` is the leaf the
user last saw. The thread is that leaf's line of parents, oldest first; the other branches
are versions the user walked away from and are not read. A message is
``{"author": {"role": ...}, "content": {"content_type": "text", "parts": [...]},
"create_time": seconds}``; system prompts, tool calls and their output, and messages hidden
from the conversation are not what the user and the assistant said.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

SPOKEN = ("user", "assistant")


def is_export(data: Any) -> bool:
    """Whether parsed JSON is a ChatGPT export: conversations holding a ``mapping``."""
    convs = data if isinstance(data, list) else [data]
    return bool(convs) and all(isinstance(c, dict) and isinstance(c.get("mapping"), dict) for c in convs)


def turns(data: Any) -> list[tuple[str, str, datetime | None, str]]:
    """(speaker, text, time, conversation title) of every visible turn, conversation by
    conversation, each in the order it was said."""
    out: list[tuple[str, str, datetime | None, str]] = []
    for conv in data if isinstance(data, list) else [data]:
        title = str(conv.get("title") or "").strip()
        for message in _thread(conv):
            said = _said(message)
            if said is not None:
                out.append((*said, title))
    return out


def _thread(conv: dict[str, Any]) -> list[dict[str, Any]]:
    mapping: dict[str, Any] = conv["mapping"]
    node_id = conv.get("current_node")
    if node_id not in mapping:  # no leaf named: the last node that has no child
        leaves = [k for k, n in mapping.items() if isinstance(n, dict) and not n.get("children")]
        node_id = leaves[-1] if leaves else None
    path: list[dict[str, Any]] = []
    seen: set[str] = set()
    while isinstance(node_id, str) and node_id in mapping and node_id not in seen:
        seen.add(node_id)
        node = mapping[node_id]
        if isinstance(node, dict) and isinstance(node.get("message"), dict):
            path.append(node["message"])
        node_id = node.get("parent") if isinstance(node, dict) else None
    return path[::-1]


def _said(message: dict[str, Any]) -> tuple[str, str, datetime | None] | None:
    role = (message.get("author") or {}).get("role")
    if role not in SPOKEN or (message.get("metadata") or {}).get("is_visually_hidden_from_conversation"):
        return None
    content = message.get("content") or {}
    if content.get("content_type") not in ("text", "multimodal_text"):
        return None
    parts = [p for p in content.get("parts") or () if isinstance(p, str) and p.strip()]
    if not parts:
        return None
    when = message.get("create_time")
    at = datetime.fromtimestamp(when, tz=UTC) if isinstance(when, int | float) and when > 0 else None
    return role, "\n\n".join(p.strip() for p in parts), at
