"""No network at run time: the whole main path (open, remember, learn, recall, brief,
export) with a real model and a real store, watched by an audit hook that sees every
socket connection and name lookup the process attempts."""

from __future__ import annotations

import contextlib
import socket
import sys
from pathlib import Path

import memd

_SEEN: list[tuple[str, object]] = []
_WATCHING = [False]


def _hook(event: str, args: tuple) -> None:
    if not _WATCHING[0]:
        return
    if event == "socket.connect":
        sock, address = args[0], args[1]
        if getattr(sock, "family", None) in (socket.AF_INET, socket.AF_INET6):
            _SEEN.append((event, address))
    elif event in ("socket.getaddrinfo", "socket.gethostbyname", "urllib.Request"):
        _SEEN.append((event, args[0] if args else None))


sys.addaudithook(_hook)  # audit hooks cannot be removed; this one only records while watching


def test_the_main_path_makes_no_network_call(tmp_path: Path, real_embedder) -> None:
    _WATCHING[0] = True
    try:
        mem = memd.open(tmp_path / "home", embedder=real_embedder)
        mem.remember_many(
            [
                {
                    "text": "from now on, use pnpm for installs",
                    "project": "p",
                    "source": "import",
                    "author": "user",
                },
                {"text": "The staging URL is https://staging.example.org", "project": "p"},
            ]
        )
        assert mem.recall("which package manager do we use?", project="p")
        assert "pnpm" in mem.context("p").text
        assert mem.export(projects=["p"])
        mem.close()
    finally:
        _WATCHING[0] = False
    assert _SEEN == []


def test_the_hook_would_see_a_connection() -> None:
    """The watch is real: a connection attempt to a closed local port is recorded."""
    _WATCHING[0] = True
    try:
        with socket.socket() as s:
            s.settimeout(0.5)
            with contextlib.suppress(OSError):
                s.connect(("127.0.0.1", 9))
    finally:
        _WATCHING[0] = False
    assert _SEEN and _SEEN.pop()[0] == "socket.connect"
