"""A Claude Code session played end to end, as a new user meets memd.

A temporary HOME and git repository; `memd mcp install` and `memd hooks install` write the
user's Claude Code files; a memory is remembered from the CLI with no --project; then the
hook commands Claude Code would run (read from settings.json) are run as processes: the
session start cold (no daemon, a fresh process) and warm (the daemon it started), a prompt,
and the stop, whose record must reach the store.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_integrations import transcript

pytestmark = pytest.mark.slow

# Claude Code's deadline is the hook's `timeout` in settings.json; memd answers within
# this many seconds of wall time, process start included.
BRIEFING_WALL_S = 2.0


def _memd_exe() -> str:
    exe = Path(sys.executable).parent / "memd"
    if not exe.exists():
        pytest.fail("the memd console script is not installed; run ./install.sh --dev")
    return str(exe)


def _run(args: list[str], env: dict[str, str], cwd: Path, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(args, input=stdin, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def _hook_command(settings: dict, event: str) -> list[str]:
    (group,) = [g for g in settings["hooks"][event] if "memd" in g["hooks"][0]["command"]]
    return shlex.split(group["hooks"][0]["command"])


def _briefing(out: str) -> str:
    data = json.loads(out)["hookSpecificOutput"]
    assert data["hookEventName"] == "SessionStart"
    return data["additionalContext"]


def _wait_for_daemon(exe: str, env: dict[str, str], cwd: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if _run([exe, "daemon", "status", "--json"], env, cwd).returncode == 0:
            return
        time.sleep(0.5)
    pytest.fail("the daemon the session-start hook started never answered")


def test_a_claude_code_session_gets_the_briefing_cold_and_warm(tmp_path: Path):
    exe = _memd_exe()
    user_home, memd_home, repo = tmp_path / "user", tmp_path / "memd-home", tmp_path / "repo"
    user_home.mkdir()
    (repo / "src").mkdir(parents=True)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(
        ["git", "remote", "add", "origin", "https://github.com/acme/shop.git"], cwd=repo, check=True
    )
    env = {
        **os.environ,
        "HOME": str(user_home),
        "MEMD_HOME": str(memd_home),
        "MEMD_HOOKS_START_DAEMON": "1",
    }
    env.pop("MEMD_PROJECT", None)

    assert _run([exe, "mcp", "install", "--client", "claude-code"], env, repo).returncode == 0
    assert json.loads((user_home / ".claude.json").read_text())["mcpServers"]["memd"]["args"] == [
        "mcp",
        "serve",
    ]
    assert _run([exe, "hooks", "install"], env, repo).returncode == 0
    settings = json.loads((user_home / ".claude" / "settings.json").read_text())

    r = _run([exe, "remember", "Always run ruff before committing", "-k", "procedural"], env, repo / "src")
    assert r.returncode == 0 and "in project github.com/acme/shop" in r.stdout, r.stderr

    payload = {"session_id": "e2e-session-1", "cwd": str(repo), "hook_event_name": "SessionStart"}
    try:
        # Cold: no daemon runs, a fresh process, nothing loaded.
        assert not (memd_home / "memd.sock").exists()
        t0 = time.monotonic()
        cold = _run(_hook_command(settings, "SessionStart"), env, repo, json.dumps(payload))
        cold_s = time.monotonic() - t0
        assert cold.returncode == 0 and "Always run ruff before committing" in _briefing(cold.stdout)
        assert cold_s < BRIEFING_WALL_S, f"cold session start took {cold_s:.2f} s"

        # The hook started the daemon for the next calls; warm, the daemon answers.
        _wait_for_daemon(exe, env, repo)
        t0 = time.monotonic()
        warm = _run(_hook_command(settings, "SessionStart"), env, repo, json.dumps(payload))
        warm_s = time.monotonic() - t0
        assert warm.returncode == 0 and "Always run ruff before committing" in _briefing(warm.stdout)
        assert warm_s < BRIEFING_WALL_S, f"warm session start took {warm_s:.2f} s"

        # A prompt gets the memories that bear on it, through the daemon.
        prompt = {**payload, "hook_event_name": "UserPromptSubmit", "prompt": "commit this change with ruff"}
        said = _run(_hook_command(settings, "UserPromptSubmit"), env, repo, json.dumps(prompt))
        context = json.loads(said.stdout)["hookSpecificOutput"]
        assert context["hookEventName"] == "UserPromptSubmit" and "ruff" in context["additionalContext"]

        # The stop hook's record of the session reaches the store.
        stop = {
            **payload,
            "hook_event_name": "Stop",
            "transcript_path": str(transcript(tmp_path)),
        }
        assert _run(_hook_command(settings, "Stop"), env, repo, json.dumps(stop)).returncode == 0
        listed = json.loads(_run([exe, "list", "--json"], env, repo).stdout)
        records = [m for m in listed if m["source_id"] == "claude-code:e2e-session-1"]
        assert records and "Fix the flaky checkout test" in records[0]["text"]
        assert records[0]["project"] == "github.com/acme/shop"
        assert not (memd_home / "hooks.log").exists() or not (memd_home / "hooks.log").read_text()
    finally:
        _run([exe, "daemon", "stop"], env, repo)
