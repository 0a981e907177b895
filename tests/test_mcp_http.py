"""Streamable HTTP transport: served on loopback only."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import anyio
import pytest
from mcp import Client
from typer.testing import CliRunner

from cli.main import app

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_http_transport_round_trip(home: Path):
    port = free_port()
    exe = Path(sys.executable).parent / "memd"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "cli.main"]
    env = {**os.environ, "MEMD_HOME": str(home)}
    proc = subprocess.Popen(
        [*cmd, "mcp", "serve", "--http", "--port", str(port), "-p", "web"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the HTTP server did not start: " + proc.stderr.read1().decode())

        async def scenario():
            async with Client(f"http://127.0.0.1:{port}/mcp", read_timeout_seconds=60) as c:
                r = await c.call_tool("remember", {"text": "served over http"})
                assert not r.is_error and r.structured_content["project"] == "web"
                hits = json.loads((await c.call_tool("recall", {"query": "http"})).content[0].text)
                assert hits[0]["text"] == "served over http"

        anyio.run(scenario)
        # DNS rebinding: a page on another site that resolves its name to 127.0.0.1 sends
        # its own Host and Origin; the server must refuse them.
        import http.client

        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"})
        for headers in (
            {"Host": "evil.example"},
            {"Host": f"127.0.0.1:{port}", "Origin": "http://evil.example"},
        ):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request(
                "POST",
                "/mcp",
                body=body,
                headers={
                    **headers,
                    "Content-Type": "application/json",
                    "Accept": "application/json, text/event-stream",
                },
            )
            status = conn.getresponse().status
            conn.close()
            assert status in (400, 403, 421), (headers, status)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_http_refuses_non_loopback_hosts():
    from mcp_server.server import serve
    from memd.errors import MemdError

    with pytest.raises(MemdError, match="refusing"):
        serve(transport="http", host="0.0.0.0")
    assert CliRunner().invoke(app, ["mcp", "serve", "--help"]).exit_code == 0
