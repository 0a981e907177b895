"""Registering memd with agent clients (MCP config files) and Claude Code hooks.

Every change to a user's config file is a merge: other entries stay as they are,
the file is backed up first, and running the same install twice changes nothing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from memd.errors import ConfigError

Client = Literal["claude-code", "cursor", "codex", "claude-desktop"]
CLIENTS: tuple[str, ...] = ("claude-code", "cursor", "codex", "claude-desktop")
SERVER_NAME = "memd"
HOOK_EVENTS = {
    "SessionStart": "session-start",
    "UserPromptSubmit": "user-prompt-submit",
    "PreCompact": "pre-compact",
    "Stop": "stop",
}
# Claude Code's limit for one hook. memd's own deadline (memd.hooks.run) is shorter, so
# that a late briefing is reported to the agent in a line instead of being killed unsaid.
HOOK_TIMEOUT_S = 5


@dataclass(frozen=True)
class Change:
    path: Path
    changed: bool
    backup: Path | None
    summary: str


def memd_command() -> str:
    """The absolute path of the memd executable of this installation."""
    candidate = Path(sys.executable).parent / "memd"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("memd")
    if found:
        return str(Path(found).resolve())
    raise ConfigError("cannot find the memd executable", hint="Install memd with ./install.sh first.")


def config_path(client: str, home: Path | None = None) -> Path:
    home = home or Path.home()
    if client == "claude-code":
        return home / ".claude.json"
    if client == "cursor":
        return home / ".cursor" / "mcp.json"
    if client == "codex":
        return home / ".codex" / "config.toml"
    if client == "claude-desktop":
        if sys.platform == "darwin":
            return home / "Library" / "Application Support" / "Claude" / "claude_desktop_config.json"
        return home / ".config" / "Claude" / "claude_desktop_config.json"
    raise ConfigError(f"unknown client {client!r}", hint=f"Use one of: {', '.join(CLIENTS)}.")


def server_entry(command: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"command": command, "args": ["mcp", "serve"]}
    if env:
        entry["env"] = env
    return entry


def _backup(path: Path) -> Path | None:
    if not path.exists():
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    backup = path.with_name(f"{path.name}.memd-backup-{stamp}")
    shutil.copy2(path, backup)
    return backup


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".memd-tmp")
    tmp.write_text(text, encoding="utf-8")
    if path.exists():
        shutil.copymode(path, tmp)
    os.replace(tmp, path)


def _read_json(path: Path) -> dict[str, Any]:
    if not path.exists() or not path.read_text(encoding="utf-8").strip():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{path} is not valid JSON ({exc})",
            hint="Fix or move the file, then run the command again; nothing was changed.",
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} does not hold a JSON object", hint="Fix the file first.")
    return data


def _update_json(path: Path, mutate: Any) -> Change:
    data = _read_json(path)
    before = json.dumps(data, sort_keys=True)
    summary = mutate(data)
    if json.dumps(data, sort_keys=True) == before:
        return Change(path, False, None, f"{path}: already up to date")
    backup = _backup(path)
    _write_atomic(path, json.dumps(data, indent=2) + "\n")
    return Change(path, True, backup, f"{path}: {summary}")


_TOML_TABLE = re.compile(r"(?m)^\[mcp_servers\.memd\]\s*\n(?:(?!^\[).*\n?)*")


def _toml_block(entry: dict[str, Any]) -> str:
    lines = [
        "[mcp_servers.memd]",
        f"command = {json.dumps(entry['command'])}",
        f"args = {json.dumps(entry['args'])}",
    ]
    if entry.get("env"):
        pairs = ", ".join(f"{json.dumps(k)} = {json.dumps(v)}" for k, v in entry["env"].items())
        lines.append(f"env = {{ {pairs} }}")
    return "\n".join(lines) + "\n"


def _update_codex(path: Path, entry: dict[str, Any] | None) -> Change:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path} is not valid TOML ({exc})", hint="Fix the file first; nothing was changed."
        ) from None
    block = _toml_block(entry) if entry else ""
    if _TOML_TABLE.search(text):
        new = _TOML_TABLE.sub(lambda _m: block + ("\n" if block else ""), text, count=1)
    elif entry:
        new = text + ("\n" if text and not text.endswith("\n\n") else "") + block
    else:
        new = text
    new = new.rstrip("\n") + "\n" if new.strip() else ""
    if new == text:
        return Change(path, False, None, f"{path}: already up to date")
    tomllib.loads(new)  # never write a file the client cannot read
    backup = _backup(path)
    _write_atomic(path, new)
    return Change(path, True, backup, f"{path}: {'added' if entry else 'removed'} [mcp_servers.memd]")


def install_client(
    client: str,
    *,
    command: str | None = None,
    env: dict[str, str] | None = None,
    home: Path | None = None,
) -> Change:
    path = config_path(client, home)
    entry = server_entry(command or memd_command(), env)
    if client == "codex":
        return _update_codex(path, entry)

    def mutate(data: dict[str, Any]) -> str:
        servers = data.setdefault("mcpServers", {})
        if not isinstance(servers, dict):
            raise ConfigError(f"{path}: mcpServers is not an object", hint="Fix the file first.")
        full = {"type": "stdio", **entry} if client == "claude-code" else entry
        verb = "updated" if SERVER_NAME in servers else "added"
        servers[SERVER_NAME] = full
        return f"{verb} mcpServers.{SERVER_NAME}"

    return _update_json(path, mutate)


def uninstall_client(client: str, *, home: Path | None = None) -> Change:
    path = config_path(client, home)
    if not path.exists():
        return Change(path, False, None, f"{path}: no such file, nothing to remove")
    if client == "codex":
        return _update_codex(path, None)

    def mutate(data: dict[str, Any]) -> str:
        servers = data.get("mcpServers")
        if isinstance(servers, dict):
            servers.pop(SERVER_NAME, None)
        return f"removed mcpServers.{SERVER_NAME}"

    return _update_json(path, mutate)


def claude_settings_path(home: Path | None = None) -> Path:
    return (home or Path.home()) / ".claude" / "settings.json"


def _is_ours(group: Any) -> bool:
    return isinstance(group, dict) and any(
        isinstance(h, dict)
        and "memd" in str(h.get("command", ""))
        and " hooks run " in str(h.get("command", ""))
        for h in group.get("hooks", [])
    )


def install_hooks(*, command: str | None = None, home: Path | None = None) -> Change:
    exe = command or memd_command()

    def mutate(data: dict[str, Any]) -> str:
        hooks = data.setdefault("hooks", {})
        for event, name in HOOK_EVENTS.items():
            groups = [g for g in hooks.get(event, []) if not _is_ours(g)]
            groups.append(
                {
                    "hooks": [
                        {
                            "type": "command",
                            "command": f"{exe} hooks run {name}",
                            "timeout": HOOK_TIMEOUT_S,
                        }
                    ]
                }
            )
            hooks[event] = groups
        return "memd hooks for " + ", ".join(HOOK_EVENTS)

    return _update_json(claude_settings_path(home), mutate)


def uninstall_hooks(*, home: Path | None = None) -> Change:
    path = claude_settings_path(home)
    if not path.exists():
        return Change(path, False, None, f"{path}: no such file, nothing to remove")

    def mutate(data: dict[str, Any]) -> str:
        hooks = data.get("hooks", {})
        for event in HOOK_EVENTS:
            if event in hooks:
                hooks[event] = [g for g in hooks[event] if not _is_ours(g)]
                if not hooks[event]:
                    del hooks[event]
        return "removed memd hooks"

    return _update_json(path, mutate)
