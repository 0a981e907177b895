"""One request to the daemon with the standard library alone.

For the callers that must start in milliseconds (the CLI's fast path, Claude Code
hooks): no pydantic, no LanceDB, no typer. Anything that is not a clean answer raises
:class:`NoAnswer`, and the caller takes its slower path or gives up.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

from memd.daemon import PROTOCOL_VERSION, socket_path


class NoAnswer(Exception):
    """No daemon, a dropped connection, a timeout, or an error reply (``error`` holds it)."""

    def __init__(self, reason: str, error: dict[str, Any] | None = None) -> None:
        super().__init__(reason)
        self.error = error


def ask(home: Path, method: str, params: dict[str, Any], *, timeout: float) -> Any:
    """The daemon's result for ``method(**params)``, or :class:`NoAnswer`."""
    path = socket_path(home)
    if not path.exists():
        raise NoAnswer("no daemon socket")
    request = {"v": PROTOCOL_VERSION, "id": 1, "method": method, "params": params}
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(max(0.01, timeout))
        try:
            sock.connect(str(path))
            sock.sendall((json.dumps(request, ensure_ascii=False) + "\n").encode("utf-8"))
            with sock.makefile("rb") as reader:
                line = reader.readline()
        except OSError as exc:  # refused, reset, or timed out
            raise NoAnswer(f"the daemon did not answer ({exc})") from None
    if not line:
        raise NoAnswer("the daemon closed the connection")
    try:
        response = json.loads(line)
    except json.JSONDecodeError:
        raise NoAnswer("the daemon's answer was not JSON") from None
    if "error" in response:
        raise NoAnswer("the daemon answered with an error", response["error"])
    return response.get("result")
