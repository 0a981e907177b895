"""`memd ingest` reads the formats conversations come in (memd.ingest.conversations)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from memd.errors import InvalidInputError
from memd.ingest.conversations import read_turns


def test_a_claude_code_session(tmp_path: Path) -> None:
    path = tmp_path / "session.jsonl"
    lines = [
        {
            "type": "user",
            "message": {"role": "user", "content": "From now on use pnpm"},
            "timestamp": "2026-05-01T10:00:00Z",
        },
        {"type": "assistant", "message": {"content": [{"type": "text", "text": "Will do."}]}},
        {"type": "user", "message": {"content": [{"type": "tool_result", "content": "noise"}]}},
        {"type": "user", "isMeta": True, "message": {"content": "meta"}},
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    turns = read_turns(path)
    assert [(t["author"], t["text"]) for t in turns] == [
        ("user", "From now on use pnpm"),
        ("assistant", "Will do."),
    ]
    assert turns[0]["created_at"].isoformat().startswith("2026-05-01T10:00")
    assert turns[0]["created_at"] < turns[1]["created_at"]  # order kept where no time is given


def test_a_chat_export_and_a_plain_text_chat(tmp_path: Path) -> None:
    export = tmp_path / "chat.json"
    export.write_text(
        json.dumps(
            {
                "messages": [
                    {"role": "user", "content": "Tabs, not spaces."},
                    {"role": "assistant", "content": "OK"},
                ]
            }
        ),
        encoding="utf-8",
    )
    assert [t["author"] for t in read_turns(export)] == ["user", "assistant"]
    chat = tmp_path / "chat.txt"
    chat.write_text("Dana: use pnpm\nplease, not npm\nBot: ok\n", encoding="utf-8")
    assert [(t["author"], t["text"]) for t in read_turns(chat)] == [
        ("Dana", "use pnpm please, not npm"),
        ("Bot", "ok"),
    ]


def test_markdown_is_read_by_section(tmp_path: Path) -> None:
    doc = tmp_path / "CLAUDE.md"
    doc.write_text(
        "# Rules\n- Use pnpm\n- Never commit to main\n\n# Layout\nAPI lives in api/\n", encoding="utf-8"
    )
    turns = read_turns(doc)
    assert [t["text"].splitlines()[0] for t in turns] == ["Rules", "Layout"] and turns[0]["author"] is None


def test_bad_input_says_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="is not a file"):
        read_turns(tmp_path / "missing.jsonl")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"x": 1}]), encoding="utf-8")
    with pytest.raises(InvalidInputError, match="no item has a speaker and a text"):
        read_turns(bad)
