"""Fuzzing, the seeded small run (benchmarks/fuzz.py runs 10,000 cases a surface): a real
daemon's socket and the command line answer every input with a result or a clear error,
never a traceback, and a rejected input leaves the store as it was."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import fuzz  # noqa: E402

pytestmark = pytest.mark.slow


def test_the_socket_answers_every_line(tmp_path: Path) -> None:
    seen = fuzz.fuzz_socket(300, tmp_path / "home")
    assert seen["cases"] == 300 and seen["errors"] > 0


def test_the_command_line_never_shows_a_traceback(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("MEMD_HOME", str(tmp_path / "home"))  # fuzz_cli sets it; this restores it after
    monkeypatch.setenv("MEMD_NO_DAEMON", "1")
    monkeypatch.setenv("MEMD_PROJECT", "fuzz")
    seen = fuzz.fuzz_cli(200, tmp_path / "home")
    assert seen["cases"] >= 150 and seen["rejected"] > 0


def test_every_mcp_tool_answers_any_arguments_with_a_result_or_a_clear_error(tmp_path: Path) -> None:
    seen = fuzz.fuzz_mcp(200, tmp_path / "home")
    assert seen["cases"] == 200 and seen["tool_errors"] > 0 and seen["results"] > 0
