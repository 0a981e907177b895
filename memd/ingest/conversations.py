"""Reading a conversation from a file (``memd ingest``): one memory item per turn.

Formats, told apart by content rather than by name alone:

- a Claude Code session (``.jsonl`` lines with ``type`` user/assistant and a ``message``);
- ChatGPT's data export (``conversations.json``: message trees, memd.ingest.chatgpt);
- a chat export: JSON lines, a JSON list, or ``{"messages": [...]}`` whose items carry a
  speaker (``role``/``speaker``/``author``/``name``/``from``) and a text
  (``content``/``text``/``message``/``body``), a time optional;
- a plain-text chat, one ``Name: text`` per line (continuation lines join the turn), told
  apart from a document on strong evidence only (memd.ingest.formats.is_chat);
- Markdown or any other text (CLAUDE.md, notes): one item per heading section.

Nothing is dropped or cut: a long turn or section is split into pieces (a section's pieces
each start with its heading path), a chat's preamble is kept as a piece of its own.
:func:`read_file` also says which format was chosen and how many of the file's lines some
item holds.

Turns are kept in order: a turn without a time gets the file's time plus its position,
so a later statement stays later. Pure parsing, no store.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from memd.errors import InvalidInputError
from memd.ingest import chatgpt
from memd.ingest.formats import chat_turns, is_chat, lines_kept, pieces
from memd.ingest.sources import looks_binary, markdown_sections

MAX_TURN_CHARS = 8_000
_SPEAKER_KEYS = ("role", "speaker", "author", "name", "from", "sender", "user")
_TEXT_KEYS = ("content", "text", "message", "body", "value")
_TIME_KEYS = ("timestamp", "created_at", "time", "date", "ts", "create_time")


def _text_of(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list):  # content parts: [{"type": "text", "text": ...}, ...]
        parts = [p.get("text", "") for p in value if isinstance(p, dict) and p.get("type", "text") == "text"]
        return " ".join(p for p in parts if isinstance(p, str)) or None
    if isinstance(value, dict):
        return _text_of(value.get("content") or value.get("text") or value.get("parts"))
    return None


def _time_of(item: dict[str, Any]) -> datetime | None:
    for key in _TIME_KEYS:
        raw = item.get(key)
        if isinstance(raw, int | float) and raw > 0:
            return datetime.fromtimestamp(raw / 1000 if raw > 1e11 else raw, tz=UTC)
        if isinstance(raw, str):
            try:
                t = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            except ValueError:
                continue
            return t if t.tzinfo else t.replace(tzinfo=UTC)
    return None


def _turn_of(item: Any) -> tuple[str | None, str, datetime | None] | None:
    """(speaker, text, time) of one chat item, or None when it holds no text."""
    if not isinstance(item, dict):
        return None
    if item.get("type") in ("user", "assistant") and isinstance(item.get("message"), dict):
        if item.get("isMeta"):
            return None
        text = _text_of(item["message"].get("content"))
        who = item["type"]
    else:
        text = next((t for k in _TEXT_KEYS if (t := _text_of(item.get(k)))), None)
        who = next((item[k] for k in _SPEAKER_KEYS if isinstance(item.get(k), str)), None)
    if not text or not text.strip() or text.lstrip().startswith("<"):
        return None  # tool output and command wrappers are not conversation
    return who, text.strip(), _time_of(item)


def _json_items(raw: str) -> list[Any] | None:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        lines = []
        for line in raw.splitlines():
            if line.strip():
                try:
                    lines.append(json.loads(line))
                except json.JSONDecodeError:
                    return None
        return lines
    if isinstance(data, dict):
        data = data.get("messages") or data.get("turns") or data.get("conversation")
    return data if isinstance(data, list) else None


def _json_export(raw: str) -> Any:
    """The parsed file when it is a ChatGPT export (memd.ingest.chatgpt), else None."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        return None
    return data if chatgpt.is_export(data) else None


@dataclass(frozen=True)
class FileReading:
    """What :func:`read_file` made of a file: its format, items and characters kept."""

    format: str  # "json-chat", "chatgpt-export", "text-chat" or "document"
    items: list[dict[str, Any]]
    lines_in: int  # non-blank lines of the file (for JSON: turns with a text)
    lines_kept: int  # of them, those some item holds (memd.ingest.formats.lines_kept)


def read_turns(path: Path) -> list[dict[str, Any]]:
    """Memory items (text, author, created_at, source_id) for the turns in ``path``."""
    return read_file(path).items


def read_file(path: Path) -> FileReading:
    """The memory items of ``path`` and how it was read (see the module docstring)."""
    if not path.is_file():
        raise InvalidInputError(
            f"{path} is not a file", hint="Pass a transcript, a chat export or a Markdown file."
        )
    if looks_binary(path):
        raise InvalidInputError(
            f"{path} is not text", hint="memd ingest reads JSON, JSONL, Markdown or plain text."
        )
    raw = path.read_text(encoding="utf-8", errors="replace")
    base = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    turns: list[tuple[str | None, str, datetime | None]] = []
    sections: list[tuple[str, str]] = []  # a document's (anchor, text)
    items = _json_items(raw) if raw.lstrip()[:1] in ("[", "{") else None
    export = _json_export(raw) if items is not None else None
    if export is not None:  # ChatGPT's conversations.json: the threads the user last saw
        turns = [(who, text, when) for who, text, when, _ in chatgpt.turns(export)]
        fmt = "chatgpt-export"
    elif items is not None:
        turns = [t for t in (_turn_of(i) for i in items) if t is not None]
        if not turns:
            raise InvalidInputError(
                f"{path} is JSON but no item has a speaker and a text",
                hint='Each item needs a text ("content" or "text") and ideally a "role" or "speaker".',
            )
        fmt = "json-chat"
    elif is_chat(raw):
        preamble, said = chat_turns(raw.splitlines())
        head = "\n".join(preamble).strip()
        turns = ([(None, head, None)] if head else []) + [(who, text, None) for who, text in said]
        fmt = "text-chat"
    else:
        sections = markdown_sections(raw, max_chars=MAX_TURN_CHARS, split=True)
        turns = [(None, body, None) for _, body in sections]
        fmt = "document"
    # A long turn is split, not cut (a section's pieces come split already, each titled).
    turns = [(who, piece, when) for who, text, when in turns for piece in pieces(text, MAX_TURN_CHARS)]
    # Without times, the order in the file is the order they were said.
    first = base - timedelta(seconds=len(turns))
    out: list[dict[str, Any]] = [
        {
            "text": text,
            "author": who,
            "created_at": when or first + timedelta(seconds=n),
            "source": "import",
            "source_id": f"ingest:{path.name}:{n}",
        }
        for n, (who, text, when) in enumerate(turns)
    ]
    if fmt == "document" and len(out) == len(sections):
        # A section is named by its heading (its anchor), not its place: ingesting the file
        # again after an edit replaces the sections that changed and no others.
        for item, (anchor, _) in zip(out, sections, strict=True):
            item["source_id"] = f"ingest:{path.name}#{anchor}"
    if fmt in ("json-chat", "chatgpt-export"):  # every turn with a text is stored, split where long
        lines_in = lines_got = len({t["source_id"] for t in out})
    else:
        lines_in, lines_got = lines_kept(raw, [t["text"] for t in out])
    return FileReading(fmt, out, lines_in, lines_got)
