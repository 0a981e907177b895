"""The record a Claude Code session leaves at compaction and at its end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from memd.ingest import user_requests
from memd.project import resolve_project

MAX_RECORD_CHARS = 800
# The user's requests a record carries as turns of their own (the newest), for memd.distill
# to learn the conventions and decisions said in them.
MAX_REQUESTS = 50
MAX_REQUEST_CHARS = 2_000


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


def request_records(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The user's own requests of the session, one episodic turn each (author "user").

    Sent again at every stop: a request already stored has the same text and is not
    stored twice. The daemon's learner reads the rules, decisions and facts said in them.
    """
    transcript = payload.get("transcript_path")
    if not transcript or not Path(transcript).is_file():
        return []
    session = str(payload.get("session_id") or "unknown")
    project = resolve_project(None, cwd=payload.get("cwd") or ".")
    out = []
    for n, entry, text in list(user_requests(Path(transcript)))[-MAX_REQUESTS:]:
        if len(text) < 8:
            continue
        out.append(
            {
                "text": text[:MAX_REQUEST_CHARS],
                "project": project,
                "kind": "episodic",
                "tags": ["claude-code", "request"],
                "source": "hook",
                "source_id": f"claude-code:{session}:{entry.get('uuid') or n}",
                "created_at": entry.get("timestamp"),
                "author": "user",
            }
        )
    return out
