"""A real MCP client speaking to the real server, started as `memd mcp serve` over stdio."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import anyio
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

pytestmark = pytest.mark.slow

EXPECTED_TOOLS = {
    "remember",
    "recall",
    "get",
    "update",
    "forget",
    "pin",
    "recent",
    "link",
    "stats",
    "context",
    "recall_code",
    "ask",
}


def server_params(home: Path, cwd: Path) -> StdioServerParameters:
    exe = Path(sys.executable).parent / "memd"
    command, args = (
        (str(exe), ["mcp", "serve"]) if exe.exists() else (sys.executable, ["-m", "cli.main", "mcp", "serve"])
    )
    env = {**os.environ, "MEMD_HOME": str(home), "MEMD_PROJECT": "acme/api"}
    return StdioServerParameters(command=command, args=args, env=env, cwd=str(cwd))


def call(client: Client, name: str, args: dict):
    return client.call_tool(name, args)


async def recall(client: Client, args: dict) -> list[dict]:
    """The recall tool's one compact JSON document, parsed."""
    r = await client.call_tool("recall", args)
    assert not r.is_error, r.content
    (block,) = r.content
    compact = json.dumps(json.loads(block.text), ensure_ascii=False, separators=(",", ":"))
    assert block.text == compact  # no indentation, no spaces between fields
    return json.loads(block.text)


def test_tools_over_stdio(home: Path, tmp_path: Path):
    async def scenario():
        async with Client(server_params(home, tmp_path), read_timeout_seconds=60) as c:
            tools = {t.name: t for t in (await c.list_tools()).tools}
            assert set(tools) == EXPECTED_TOOLS
            assert tools["recall"].annotations.read_only_hint is True
            assert tools["forget"].annotations.destructive_hint is True
            assert all(t.description for t in tools.values())
            # Descriptions are prose: no docstring indentation or line breaks reach the model.
            assert not [t.name for t in tools.values() if "  " in t.description or "\n" in t.description]

            r = await c.call_tool(
                "remember",
                {
                    "text": "Run tests with pytest -n auto",
                    "kind": "procedural",
                    "tags": ["testing"],
                },
            )
            assert not r.is_error, r.content
            mem = r.structured_content
            assert mem["project"] == "acme/api"
            r2 = await c.call_tool(
                "remember",
                {"text": "We chose Postgres for transactions", "kind": "decision", "author": "Dana"},
            )
            dec = r2.structured_content
            assert dec["author"] == "Dana"

            hits = await recall(c, {"query": "how do I run the tests?"})
            assert mem["id"].startswith(hits[0]["id"]) and len(hits[0]["id"]) == 8 and hits[0]["found_by"]
            assert hits[0]["text"] == "Run tests with pytest -n auto" and hits[0]["tags"] == ["testing"]
            # Empty and default fields are left out: no project (the server's), no author.
            assert "project" not in hits[0] and "author" not in hits[0] and "pinned" not in hits[0]

            got = (await c.call_tool("get", {"id": mem["id"][:8]})).structured_content
            assert got["text"] == "Run tests with pytest -n auto"

            new = (
                await c.call_tool("update", {"id": mem["id"], "text": "Run tests with make test"})
            ).structured_content
            assert new["kind"] == "procedural"
            hits = await recall(c, {"query": "run tests"})
            assert [h["id"] for h in hits][:1] == [new["id"][:8]]
            assert mem["id"][:8] not in [h["id"] for h in hits]
            # Nothing stored is related: an empty list, not the closest notes.
            assert await recall(c, {"query": "what is the capital of France?"}) == []

            assert (await c.call_tool("pin", {"id": dec["id"]})).structured_content["pinned"] is True
            linked = await c.call_tool("link", {"a": dec["id"], "b": new["id"], "relation": "related"})
            assert not linked.is_error
            recent = (await c.call_tool("recent", {"limit": 5})).structured_content["result"]
            assert {m["id"] for m in recent} == {dec["id"], new["id"]}
            stats = (await c.call_tool("stats", {})).structured_content
            assert stats["total"] == 3
            brief = await c.call_tool("context", {"max_tokens": 500})
            text = brief.content[0].text
            assert text.index("Postgres") < text.index("make test")  # pinned first

            # ask: the bundled model answers from the memories, or says it does not know.
            asked = await c.call_tool("ask", {"question": "How do I run the tests?"})
            assert not asked.is_error, asked.content
            reply = json.loads(asked.content[0].text)
            assert set(reply) == {"answer", "cited", "known"}
            assert reply["answer"] == "I don't know." or reply["cited"][0] in new["id"]

            forgot = await c.call_tool("forget", {"id": dec["id"]})
            assert not forgot.is_error
            hits = await recall(c, {"query": "Postgres"})
            assert dec["id"][:8] not in [h["id"] for h in hits]

            res = await c.read_resource("memd://briefing")
            assert "acme/api" in res.contents[0].text
            res = await c.read_resource(f"memd://memory/{new['id']}")
            assert json.loads(res.contents[0].text)["id"] == new["id"]

            # Malformed input: a tool error that says what to do, never a crash.
            bad_calls = [
                ("remember", {"text": 12345}),
                ("remember", {}),
                ("remember", {"text": "   "}),
                ("remember", {"text": "x" * 20_000}),
                ("remember", {"text": "ok", "kind": "gossip"}),
                ("recall", {"query": "x", "k": "many"}),
                ("recall", {"query": ""}),
                ("recall", {"query": "x", "since": "someday"}),
                ("get", {"id": "0000000000000000"}),
                ("update", {"id": "0000000000000000", "text": "new"}),
                ("link", {"a": new["id"], "b": new["id"]}),
                ("context", {"max_tokens": -5}),
            ]
            for name, args in bad_calls:
                r = await c.call_tool(name, args)
                assert r.is_error, (name, args)
                assert r.content and r.content[0].text, (name, args)
            r = await c.call_tool("get", {"id": "0000000000000000"})
            assert "recent" in r.content[0].text  # the hint says what to do next
            # The server is still alive and the store unchanged.
            assert (await c.call_tool("stats", {})).structured_content["total"] == 3

    anyio.run(scenario)
