"""The memd daemon: the one process that opens the store; everyone else talks to it.

Light on purpose: the client side (``memd.daemon.client``) imports neither LanceDB
nor ONNX Runtime, so a CLI call through the daemon starts fast.
"""

from __future__ import annotations

from pathlib import Path

# Version of the newline-JSON protocol on the socket (memd.daemon.protocol).
PROTOCOL_VERSION = 1
SOCKET_NAME = "memd.sock"
PID_NAME = "daemon.pid"
LOG_NAME = "daemon.log"
JOURNAL_NAME = "journal.jsonl"
LOCK_NAME = "daemon.lock"


def socket_path(home: Path) -> Path:
    return home / SOCKET_NAME


def pid_path(home: Path) -> Path:
    return home / PID_NAME


def log_path(home: Path) -> Path:
    return home / LOG_NAME
