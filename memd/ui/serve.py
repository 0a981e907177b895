"""Serving the dashboard on 127.0.0.1: a free port (or the one asked for), a fresh token, and
uvicorn either in a thread (the daemon hosts it beside its socket) or in the foreground
(``memd ui`` without a daemon)."""

from __future__ import annotations

import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from memd.api import MemoryAPI
from memd.errors import ConfigError

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass
class Dashboard:
    """A dashboard being served; ``url`` carries the token."""

    port: int
    token: str
    server: Any = field(repr=False)
    thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/?token={self.token}"

    def stop(self) -> None:
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=10)


def prepare(api: MemoryAPI, status: Callable[[], dict[str, Any]], port: int | None = None) -> Dashboard:
    import uvicorn

    from memd.ui.app import build_app

    port = port or free_port()
    with socket.socket() as probe:  # a clear error instead of uvicorn's exit on a busy port
        try:
            probe.bind((HOST, port))
        except OSError:
            raise ConfigError(
                f"port {port} on {HOST} is in use", hint="Choose another with --port, or leave it out."
            ) from None
    token = secrets.token_urlsafe(24)
    config = uvicorn.Config(
        build_app(api, token, status), host=HOST, port=port, log_level="warning", lifespan="off"
    )
    return Dashboard(port=port, token=token, server=uvicorn.Server(config))


def start_in_thread(
    api: MemoryAPI, status: Callable[[], dict[str, Any]], port: int | None = None
) -> Dashboard:
    """Serve in a thread of this process (the daemon); returns once it accepts connections."""
    board = prepare(api, status, port)
    board.thread = threading.Thread(target=board.server.run, name="memd-ui", daemon=True)
    board.thread.start()
    deadline = time.monotonic() + 10
    while not board.server.started:
        if not board.thread.is_alive() or time.monotonic() > deadline:
            raise ConfigError(f"the dashboard did not start on port {board.port}", hint="See the daemon log.")
        time.sleep(0.02)
    return board
