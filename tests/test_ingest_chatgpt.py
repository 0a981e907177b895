"""ChatGPT's data export is read as its visible threads (memd.ingest.chatgpt): the branch the
user last saw, not the prompts they edited away; no system prompt, tool call or hidden turn."""

from __future__ import annotations

import json
from pathlib import Path

from memd.ingest.conversations import read_file

# The shape of a real conversations.json, written for this test: one conversation whose
# first prompt was edited (two branches), with a system message, a tool call and a hidden turn.
EXPORT = [
    {
        "title": "Shop API conventions",
        "create_time": 1764000000.0,
        "current_node": "a2",
        "mapping": {
            "root": {"id": "root", "message": None, "parent": None, "children": ["sys"]},
            "sys": {
                "id": "sys",
                "message": {
                    "author": {"role": "system"},
                    "content": {"content_type": "text", "parts": [""]},
                    "metadata": {"is_visually_hidden_from_conversation": True},
                },
                "parent": "root",
                "children": ["u1-old", "u1"],
            },
            "u1-old": {
                "id": "u1-old",
                "message": {
                    "author": {"role": "user"},
                    "content": {"content_type": "text", "parts": ["we use yarn for everything"]},
                    "create_time": 1764000010.0,
                },
                "parent": "sys",
                "children": ["a1-old"],
            },
            "a1-old": {
                "id": "a1-old",
                "message": {
                    "author": {"role": "assistant"},
                    "content": {"content_type": "text", "parts": ["Noted: yarn."]},
                    "create_time": 1764000011.0,
                },
                "parent": "u1-old",
                "children": [],
            },
            "u1": {
                "id": "u1",
                "message": {
                    "author": {"role": "user"},
                    "content": {"content_type": "text", "parts": ["we use pnpm for everything, never npm"]},
                    "create_time": 1764000020.0,
                },
                "parent": "sys",
                "children": ["tool"],
            },
            "tool": {
                "id": "tool",
                "message": {
                    "author": {"role": "tool", "name": "python"},
                    "content": {"content_type": "execution_output", "text": "ok"},
                    "create_time": 1764000021.0,
                },
                "parent": "u1",
                "children": ["a2"],
            },
            "a2": {
                "id": "a2",
                "message": {
                    "author": {"role": "assistant"},
                    "content": {"content_type": "text", "parts": ["Understood: pnpm, and ", "no npm."]},
                    "create_time": 1764000022.0,
                },
                "parent": "tool",
                "children": [],
            },
        },
    }
]


def test_a_chatgpt_export_is_read_as_the_thread_the_user_last_saw(tmp_path: Path) -> None:
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps(EXPORT), encoding="utf-8")
    r = read_file(path)
    assert r.format == "chatgpt-export"
    said = [(t["author"], t["text"]) for t in r.items]
    assert said == [
        ("user", "we use pnpm for everything, never npm"),
        ("assistant", "Understood: pnpm, and\n\nno npm."),
    ]
    assert r.items[0]["created_at"].timestamp() == 1764000020.0
    assert r.lines_in == r.lines_kept == 2


def test_the_thread_is_learned_from_like_any_chat(tmp_path: Path, real_mem) -> None:
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps(EXPORT), encoding="utf-8")
    real_mem.remember_many([{**t, "project": "shop"} for t in read_file(path).items])
    brief = real_mem.context("shop").text
    assert "pnpm" in brief and "yarn" not in brief


def test_a_json_file_that_is_no_chat_names_what_it_needs(tmp_path: Path) -> None:
    import pytest

    from memd.errors import InvalidInputError

    path = tmp_path / "data.json"
    path.write_text(json.dumps([{"title": "x", "mapping": "not a tree"}]), encoding="utf-8")
    with pytest.raises(InvalidInputError, match="speaker and a text"):
        read_file(path)
