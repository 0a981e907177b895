"""The record a Claude Code session leaves at compaction and at its end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from memd.ingest import user_requests
from memd.project import resolve_project

MAX_RECORD_CHARS = 800


def _user_texts(transcript: Path, limit_lines: int = 5_000) -> list[str]:
    """The user's own requests in a Claude Code transcript (tool results filtered out)."""
    return [text for _, _, text in user_requests(transcript, max_lines=limit_lines)]


def session_record(payload: dict[str, Any], event: str = "stop") -> dict[str, Any] | None:
    """One episodic memory summarising the session so far, or None if nothing to say."""
    transcript = payload.get("transcript_path")
    if not transcript or not Path(transcript).is_file():
        return None
    asks = _user_texts(Path(transcript))
    if not asks:
        return None
    session = str(payload.get("session_id") or "unknown")
    first = asks[0][:300]
    parts = [f"Claude Code session {session[:8]}: {len(asks)} request(s). First: {first}"]
    if len(asks) > 1:
        parts.append(f"Last: {asks[-1][:300]}")
    text = " | ".join(parts)[:MAX_RECORD_CHARS]
    return {
        "text": text,
        "project": resolve_project(None, cwd=payload.get("cwd") or "."),
        "kind": "episodic",
        "tags": ["session", "claude-code"],
        "source": "hook",
        # One id per session: each later record supersedes the previous one.
        "source_id": f"claude-code:{session}",
    }
