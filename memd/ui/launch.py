"""Where `memd ui` serves from: the daemon when one serves the home (it keeps the page up
after the command ends, beside its socket), else this process until it is stopped."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from memd.config import Settings
from memd.ui.serve import Dashboard, prepare


@dataclass
class Launched:
    url: str
    by_daemon: bool
    board: Dashboard | None = None  # set when this process must serve it (no daemon)


def launch(settings: Settings, *, port: int | None = None) -> Launched:
    from memd.daemon.client import connect as connect_daemon

    if os.environ.get("MEMD_NO_DAEMON") != "1" and settings.is_local:
        client = connect_daemon(settings.home)
        if client is not None:
            try:
                answer: dict[str, Any] = client.call("ui", port=port)
            finally:
                client.close()
            return Launched(url=str(answer["url"]), by_daemon=True)
    import memd

    service = memd.open_with(settings)

    def status() -> dict[str, Any]:
        return {
            "daemon": "not running: `memd ui` serves this page itself",
            "pid": os.getpid(),
            "home": str(settings.home),
        }

    board = prepare(service, status, port)
    return Launched(url=board.url, by_daemon=False, board=board)
