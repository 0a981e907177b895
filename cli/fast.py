"""The `memd` entry point: a fast path for `memd recall` when the daemon is up.

Importing typer, rich and pydantic costs ~200 ms, more than the recall itself.
When the command is a plain `recall` and a daemon answers, this module asks it
over the socket with the standard library alone and prints with ``cli.plain``,
the renderer the typer command uses too. Anything else (other commands, other
options, no daemon, an error) goes to the full CLI, which handles it as always.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path
from typing import Any

# Both light: neither pulls in pydantic, typer or LanceDB.
from memd.daemon import PROTOCOL_VERSION, socket_path
from memd.home import default_home

MAX_K = 1000


class _NotFast(Exception):
    pass


def _parse(args: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"k": 10, "project": None, "json": False, "explain": False}
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


def _ask_daemon(home: Path, params: dict[str, Any]) -> Any:
    path = socket_path(home)
    if not path.exists():
        raise _NotFast
    request = {"v": PROTOCOL_VERSION, "id": 1, "method": "recall", "params": params}
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(30)
        try:
            sock.connect(str(path))
            sock.sendall((json.dumps(request, ensure_ascii=False) + "\n").encode("utf-8"))
            with sock.makefile("rb") as reader:
                line = reader.readline()
        except OSError:
            raise _NotFast from None
    if not line:
        raise _NotFast
    response = json.loads(line)
    if "error" in response:
        raise _NotFast  # the full CLI asks again and reports the error its usual way
    return response["result"]


def recall_fast(argv: list[str]) -> int:
    if os.environ.get("MEMD_NO_DAEMON") == "1" or os.environ.get("MEMD_STORE_URI"):
        raise _NotFast
    opts = _parse(argv)
    hits = _ask_daemon(
        _home(),
        {
            "query": opts["query"],
            "k": opts["k"],
            "project": opts["project"],
            "kinds": None,
            "since": None,
            "until": None,
            "include_archived": False,
        },
    )
    from cli import plain

    text = plain.hits_json(hits) if opts["json"] else plain.hits_text(hits, explain=opts["explain"])
    sys.stdout.write(text + "\n")
    return 0


def main() -> int | None:
    argv = sys.argv[1:]
    if argv[:1] == ["recall"]:
        try:
            return recall_fast(argv[1:])
        except _NotFast:
            pass
    from cli.main import main as full

    return full()
