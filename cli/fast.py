"""The `memd` entry point: fast paths for `memd recall` and `memd hooks run`.

Importing typer, rich and pydantic costs ~200 ms, more than the recall itself.
When the command is a plain `recall` and a daemon answers, this module asks it
over the socket with the standard library alone and prints with ``cli.plain``,
the renderer the typer command uses too. Anything else (other commands, other
options, no daemon, an error) goes to the full CLI, which handles it as always.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

# Both light: neither pulls in pydantic, typer or LanceDB.
from memd.home import default_home

MAX_K = 1000


class _NotFast(Exception):
    pass


def _parse(args: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"k": 10, "project": None, "all": False, "json": False, "explain": False}
    query: list[str] = []
    it = iter(args)
    for arg in it:
        name, eq, value = arg.partition("=")
        if arg == "--":
            query.extend(it)
        elif name in ("--k", "-n", "--project", "-p"):
            if not eq:
                value = next(it, "")
            if name in ("--k", "-n"):
                if not value.isdigit() or not 1 <= int(value) <= MAX_K:
                    raise _NotFast  # the full CLI explains the bad value
                out["k"] = int(value)
            else:
                out["project"] = value or None
        elif arg in ("--all-projects", "-A"):
            out["all"] = True
        elif arg == "--json":
            out["json"] = True
        elif arg == "--explain":
            out["explain"] = True
        elif arg.startswith("-"):
            raise _NotFast
        else:
            query.append(arg)
    if len(query) != 1 or not query[0].strip():
        raise _NotFast
    out["query"] = query[0]
    return out


def _home() -> Path:
    env = os.environ.get("MEMD_HOME")
    return Path(env).expanduser() if env else default_home()


def _here(project: str | None) -> str:
    """The project the full CLI would pick (memd.project is standard library only).

    A configured ``default_project`` matters only outside any directory, which a shell
    never is, so the fallback here need not read the settings."""
    from memd.project import resolve_project

    try:
        cwd: str | None = os.getcwd()
    except OSError:
        raise _NotFast from None  # the full CLI handles a deleted working directory
    return resolve_project(project, cwd=cwd)


def _ask_daemon(home: Path, params: dict[str, Any]) -> Any:
    from memd.daemon.wire import NoAnswer, ask

    try:
        return ask(home, "recall", params, timeout=30)
    except NoAnswer:
        raise _NotFast from None  # the full CLI asks again and reports any error its usual way


def _team_store_set(home: Path) -> bool:
    """With a team store the full CLI answers: it merges the team's hits (through the daemon
    when the daemon holds the team store too)."""
    if os.environ.get("MEMD_TEAM_URI"):
        return True
    try:
        return "team_uri" in (home / "config.toml").read_text(encoding="utf-8")
    except OSError:
        return False


def recall_fast(argv: list[str]) -> int:
    if (
        os.environ.get("MEMD_NO_DAEMON") == "1"
        or os.environ.get("MEMD_STORE_URI")
        or _team_store_set(_home())
    ):
        raise _NotFast
    opts = _parse(argv)
    project = None if opts["all"] else _here(opts["project"])
    hits = _ask_daemon(
        _home(),
        {
            "query": opts["query"],
            "k": opts["k"],
            "project": project,
            "kinds": None,
            "since": None,
            "until": None,
            "include_archived": False,
        },
    )
    from cli import plain

    text = (
        plain.hits_json(hits)
        if opts["json"]
        else plain.hits_text(hits, explain=opts["explain"], project=project)
    )
    sys.stdout.write(text + "\n")
    return 0


def hook_fast(argv: list[str]) -> int:
    """`memd hooks run EVENT [--timeout S]`, the command Claude Code runs at each hook:
    without typer, and without LanceDB when the daemon answers. Always exits 0."""
    from memd.hooks.run import DEFAULT_DEADLINE_S, run_safely

    if not argv or argv[0].startswith("-"):
        raise _NotFast
    event, rest = argv[0], argv[1:]
    timeout = DEFAULT_DEADLINE_S
    if rest:
        name, eq, value = rest[0].partition("=")
        value = value if eq else (rest[1] if len(rest) > 1 else "")
        if name != "--timeout" or len(rest) > (1 if eq else 2):
            raise _NotFast
        try:
            timeout = float(value)
        except ValueError:
            raise _NotFast from None
    stdin = sys.stdin.read() if sys.stdin is not None and not sys.stdin.isatty() else ""
    output = run_safely(event, stdin, home=_home(), timeout=timeout)
    if output:
        sys.stdout.write(output + "\n")
    sys.stdout.flush()
    # A briefing thread still inside LanceDB past the deadline must not hold up the exit.
    os._exit(0)


def main() -> int | None:
    argv = sys.argv[1:]
    if argv[:2] == ["hooks", "run"] and argv[2:3] != ["--help"]:
        try:
            return hook_fast(argv[2:])
        except _NotFast:
            pass
    if argv[:1] == ["recall"]:
        try:
            return recall_fast(argv[1:])
        except _NotFast:
            pass
    from cli.main import main as full

    return full()
