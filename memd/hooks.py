"""Claude Code hooks: a briefing at session start, a short record at compaction and stop.

Hooks must never block or break the user's prompt: the CLI runs them under a hard
deadline and swallows every failure. The write path only appends to the spool.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from memd import spool
from memd.api import MemoryAPI
from memd.ingest import user_requests
from memd.project import project_for

MAX_RECORD_CHARS = 800


def _user_texts(transcript: Path, limit_lines: int = 5_000) -> list[str]:
    """The user's own requests in a Claude Code transcript (tool results filtered out)."""
    return [text for _, _, text in user_requests(transcript, max_lines=limit_lines)]


def session_record(payload: dict[str, Any], event: str) -> dict[str, Any] | None:
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
        "project": project_for(payload.get("cwd") or "."),
        "kind": "episodic",
        "tags": ["session", "claude-code"],
        "source": "hook",
        # One id per session: each later record supersedes the previous one.
        "source_id": f"claude-code:{session}",
    }


def run_hook(
    event: str, payload: dict[str, Any], home: Path, open_api: Callable[[], MemoryAPI]
) -> str | None:
    """Do the hook's work; returns what to print on stdout for Claude Code, if anything."""
    if event == "session-start":
        project = project_for(payload.get("cwd") or ".")
        api = open_api()
        try:
            brief = api.context(project, max_tokens=1200)
        finally:
            api.close()
        if not brief.memory_ids:
            return None
        return json.dumps(
            {
                "hookSpecificOutput": {
                    "hookEventName": "SessionStart",
                    "additionalContext": brief.text,
                }
            }
        )
    if event in ("pre-compact", "stop"):
        record = session_record(payload, event)
        if record is not None:
            spool.append(home, record)
        return None
    raise ValueError(f"unknown hook event {event!r}")


def run_safely(
    event: str,
    stdin: str,
    *,
    home: Path | None,
    timeout: float,
    open_with: Callable[..., MemoryAPI],
) -> str | None:
    """:func:`run_hook` under a hard deadline; any failure is logged and swallowed."""
    import signal
    from datetime import UTC, datetime

    from memd.config import load_settings

    def give_up(*_: Any) -> None:
        raise TimeoutError(f"hook exceeded {timeout} s")

    previous = signal.signal(signal.SIGALRM, give_up)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    settings = None
    try:
        settings = load_settings(home)
        payload = json.loads(stdin or "{}")
        return run_hook(
            event,
            payload if isinstance(payload, dict) else {},
            settings.home,
            lambda: open_with(settings),
        )
    except BaseException as exc:  # noqa: BLE001 - never break the user's prompt
        try:
            from memd.home import prepare_home

            log_dir = settings.home if settings is not None else Path(home or ".")
            prepare_home(log_dir)
            with open(Path(log_dir) / "hooks.log", "a", encoding="utf-8") as log:
                log.write(f"{datetime.now(UTC).isoformat()} {event}: {type(exc).__name__}: {exc}\n")
        except Exception:  # noqa: BLE001 - logging is best effort too
            pass
        return None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
