"""MCP `recall` round trip through the real server over stdio (warm), as an agent sees it.

python benchmarks/mcp_latency.py --memories 2000 --calls 200
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import anyio
from mcp import Client
from mcp.client.stdio import StdioServerParameters

QUESTIONS = ["how do we deploy?", "why postgres", "flaky test fix", "ruff config", "nginx timeout"]


async def run(memories: int, calls: int) -> dict:
    with tempfile.TemporaryDirectory() as home:
        exe = Path(sys.executable).parent / "memd"
        params = StdioServerParameters(
            command=str(exe),
            args=["mcp", "serve", "--project", "bench"],
            env={**os.environ, "MEMD_HOME": home},
        )
        async with Client(params, read_timeout_seconds=120) as c:
            for i in range(memories):
                await c.call_tool(
                    "remember",
                    {
                        "text": f"note {i}: the service {i % 37} uses "
                        f"port {8000 + i % 91} and {QUESTIONS[i % 5]}"
                    },
                )
            for q in QUESTIONS:  # warm
                await c.call_tool("recall", {"query": q})
            lat = []
            for n in range(calls):
                t0 = time.perf_counter()
                r = await c.call_tool("recall", {"query": QUESTIONS[n % 5], "k": 8})
                lat.append((time.perf_counter() - t0) * 1000)
                assert not r.is_error
    lat.sort()
    return {
        "memories": memories,
        "calls": calls,
        "p50_ms": round(statistics.median(lat), 1),
        "p95_ms": round(lat[int(len(lat) * 0.95)], 1),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--memories", type=int, default=500)
    ap.add_argument("--calls", type=int, default=200)
    args = ap.parse_args()
    print(json.dumps(anyio.run(run, args.memories, args.calls), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
