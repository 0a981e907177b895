"""The daemon's wire protocol: one JSON object per line over a Unix socket.

Request:  {"v": 1, "id": 7, "method": "recall", "params": {...}}
Response: {"v": 1, "id": 7, "result": ...}  or  {"v": 1, "id": 7, "error": {...}}

Errors carry memd's exception class name, message and hint, so the client raises
the same exception the in-process service would have.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from memd import errors
from memd.daemon import PROTOCOL_VERSION

VERSION = PROTOCOL_VERSION
MAX_LINE = 64 * 1024 * 1024

# Every MemoryAPI method, plus the daemon's own.
API_METHODS = frozenset(
    {
        "remember",
        "remember_many",
        "recall",
        "get",
        "forget",
        "history",
        "restore",
        "maintain",
        "pin",
        "move",
        "link",
        "links",
        "audit",
        "code",
        "export",
        "import_lines",
        "context",
        "list",
        "stats",
        "reindex",
        "distill",
    }
)
DAEMON_METHODS = frozenset(
    {
        "ping",
        "status",
        "shutdown",
        "watch_add",
        "watch_instructions",
        "watch_list",
        "watch_remove",
        "verify",
        "ui",
        "ask",
    }
)
# Calls on the team store the daemon holds (memd.daemon.team); answers carry their warnings.
TEAM_METHODS = frozenset({"team_remember", "team_recall", "team_context", "team_list", "team_maintain"})


def to_jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def encode(message: dict[str, Any]) -> bytes:
    return (json.dumps(to_jsonable(message), ensure_ascii=False) + "\n").encode("utf-8")


def error_payload(exc: BaseException) -> dict[str, str]:
    if isinstance(exc, errors.MemdError):
        return {"type": type(exc).__name__, "message": exc.message, "hint": exc.hint}
    return {
        "type": "MemdError",
        "message": f"daemon error: {type(exc).__name__}: {exc}",
        "hint": "See `memd daemon logs`; the request was not applied.",
    }


def raise_error(payload: dict[str, Any]) -> None:
    cls = getattr(errors, str(payload.get("type")), None)
    if not (isinstance(cls, type) and issubclass(cls, errors.MemdError)):
        cls = errors.MemdError
    raise cls(str(payload.get("message", "daemon error")), hint=payload.get("hint") or None)
