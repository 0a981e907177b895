"""Client config installers and Claude Code hooks, on temp home directories."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from memd.errors import ConfigError
from memd.hooks import session_record
from memd.hooks.run import DEFAULT_DEADLINE_S
from memd.integrations import (
    config_path,
    install_client,
    install_hooks,
    uninstall_client,
    uninstall_hooks,
)

EXE = "/opt/memd/.venv/bin/memd"


@pytest.mark.parametrize("client", ["claude-code", "cursor", "claude-desktop"])
def test_json_clients_merge_backup_and_are_idempotent(tmp_path: Path, client):
    path = config_path(client, tmp_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"theme": "dark", "mcpServers": {"other": {"command": "x"}}}))
    first = install_client(client, command=EXE, home=tmp_path)
    assert first.changed and first.backup is not None and first.backup.exists()
    data = json.loads(path.read_text())
    assert data["theme"] == "dark" and data["mcpServers"]["other"] == {"command": "x"}
    assert data["mcpServers"]["memd"]["command"] == EXE
    assert data["mcpServers"]["memd"]["args"] == ["mcp", "serve"]
    again = install_client(client, command=EXE, home=tmp_path)
    assert not again.changed and again.backup is None
    gone = uninstall_client(client, home=tmp_path)
    assert gone.changed
    assert json.loads(path.read_text())["mcpServers"] == {"other": {"command": "x"}}


def test_codex_toml_is_merged(tmp_path: Path):
    path = config_path("codex", tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text('model = "o4"\n\n[mcp_servers.other]\ncommand = "x"\n')
    assert install_client("codex", command=EXE, home=tmp_path, env={"MEMD_HOME": "/h"}).changed
    data = tomllib.loads(path.read_text())
    assert data["model"] == "o4" and data["mcp_servers"]["other"] == {"command": "x"}
    assert data["mcp_servers"]["memd"] == {
        "command": EXE,
        "args": ["mcp", "serve"],
        "env": {"MEMD_HOME": "/h"},
    }
    assert not install_client("codex", command=EXE, home=tmp_path, env={"MEMD_HOME": "/h"}).changed
    uninstall_client("codex", home=tmp_path)
    data = tomllib.loads(path.read_text())
    assert "memd" not in data["mcp_servers"] and data["model"] == "o4"


def test_broken_config_is_left_alone(tmp_path: Path):
    path = config_path("cursor", tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        install_client("cursor", command=EXE, home=tmp_path)
    assert path.read_text() == "{not json"
    with pytest.raises(ConfigError, match="unknown client"):
        install_client("vim", command=EXE, home=tmp_path)


def test_hooks_install_keeps_other_hooks(tmp_path: Path):
    settings = tmp_path / ".claude" / "settings.json"
    settings.parent.mkdir()
    theirs = {"hooks": [{"type": "command", "command": "echo hi"}]}
    settings.write_text(json.dumps({"hooks": {"Stop": [theirs]}, "model": "opus"}))
    assert install_hooks(command=EXE, home=tmp_path).changed
    data = json.loads(settings.read_text())
    assert data["model"] == "opus" and data["hooks"]["Stop"][0] == theirs
    for event in ("SessionStart", "UserPromptSubmit", "PreCompact", "Stop"):
        ours = data["hooks"][event][-1]["hooks"][0]
        assert ours["command"].startswith(EXE + " hooks run")
        # Claude Code's limit leaves room for memd's own deadline and its late notice.
        assert DEFAULT_DEADLINE_S < ours["timeout"] <= 10
    assert not install_hooks(command=EXE, home=tmp_path).changed
    uninstall_hooks(home=tmp_path)
    assert json.loads(settings.read_text())["hooks"] == {"Stop": [theirs]}


def transcript(tmp_path: Path) -> Path:
    path = tmp_path / "session.jsonl"
    lines = [
        {"type": "user", "message": {"role": "user", "content": "Fix the flaky checkout test"}},
        {
            "type": "assistant",
            "message": {"role": "assistant", "content": [{"type": "text", "text": "ok"}]},
        },
        {
            "type": "user",
            "message": {"role": "user", "content": [{"type": "tool_result", "content": "noise"}]},
        },
        {
            "type": "user",
            "message": {
                "role": "user",
                "content": [{"type": "text", "text": "Now add a regression test"}],
            },
        },
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\nnot json\n")
    return path


def test_session_record_filters_tool_noise(tmp_path: Path):
    rec = session_record(
        {
            "session_id": "abcdef123456",
            "transcript_path": str(transcript(tmp_path)),
            "cwd": str(tmp_path),
        },
        "stop",
    )
    assert rec is not None
    assert "Fix the flaky checkout test" in rec["text"] and "regression test" in rec["text"]
    assert "noise" not in rec["text"] and rec["source_id"] == "claude-code:abcdef123456"


@pytest.mark.slow
def test_installed_hook_command_exits_0_fast(home: Path, tmp_path: Path):
    exe = Path(sys.executable).parent / "memd"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "cli.main"]
    env = {**os.environ, "MEMD_HOME": str(home)}
    payload = json.dumps(
        {"session_id": "s2", "transcript_path": str(transcript(tmp_path)), "cwd": str(tmp_path)}
    )
    p = subprocess.run(
        [*cmd, "hooks", "run", "stop"],
        input=payload,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    # No daemon: the record waits in the spool (its wall time: benchmarks/hooks.py).
    assert p.returncode == 0 and p.stdout == "" and "flaky checkout" in (home / "spool.jsonl").read_text()
    p = subprocess.run(
        [*cmd, "hooks", "run", "stop"],
        input="garbage",
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert p.returncode == 0 and p.stdout == ""
