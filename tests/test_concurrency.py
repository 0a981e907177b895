"""Concurrency under load, the fast subset (benchmarks/concurrency.py runs 16 clients and
10,000 operations a mode): socket, library, MCP-over-stdio and CLI clients at once, with the
daemon and without it (in-process writers contending for the lock) — no errors, no write
lost or doubled, nothing stored that nobody was told about."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import concurrency  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("daemon", [True, False], ids=["daemon", "in-process"])
def test_clients_of_every_kind_at_once_lose_and_double_nothing(tmp_path: Path, daemon: bool):
    report = concurrency.run_mode(tmp_path / "home", daemon=daemon, clients=8, ops=200)
    assert report["errors"] == 0, report["error_samples"]
    assert report["acknowledged_writes"] > 30
    assert report["lost"] == report["duplicated"] == report["unacknowledged_stored"] == 0
    kinds = {"socket", "library", "mcp", "cli"} if daemon else {"library", "mcp", "cli"}
    assert set(report["by_kind"]) == kinds
    assert report["p99_ms"] > 0
