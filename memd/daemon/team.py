"""The daemon's side of the team store: one :class:`memd.team.view.TeamView` over the
daemon's own service, the embedding model shared with it (the team store is not a second
model in memory), serving every client's shared writes, merged recalls and briefings.

Between requests the maintenance thread calls :meth:`TeamHost.tick`: shared writes queued
while the bucket was unreachable go out once it is back (no command needed), and the team
store's maintenance runs under the lease kept in the store (one daemon of the team at a time).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from memd.config import Settings
from memd.errors import InvalidInputError, MemdError
from memd.service import MemoryService
from memd.team.view import TeamView

log = logging.getLogger("memd.daemon")

SEND_QUEUED_EVERY_S = 5.0


class TeamHost:
    def __init__(self, settings: Settings, service: MemoryService, *, maintain_every_s: float) -> None:
        import memd

        assert settings.team_uri is not None
        self.uri = settings.team_uri
        self.view = TeamView(
            service,
            lambda: memd.open_team(settings, embedder=service.embedder),
            settings.team_uri,
            outbox=settings.home / "team",
        )
        # Shared writes one at a time: the team store's file lock is per process, so two
        # threads of one daemon must not both believe they hold it.
        self._writing = threading.Lock()
        self._maintain_every_s = maintain_every_s
        self._sent_at = 0.0
        self._maintained_at = time.monotonic()

    def handle(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """One team call; the answer carries the warnings of this call only."""
        self.view.warnings.clear()
        view = self.view
        if method == "team_remember":
            with self._writing:
                result: Any = view.remember(shared=True, **params)
        elif method == "team_recall":
            result = view.recall(**params)
        elif method == "team_context":
            result = view.context(**params)
        elif method == "team_list":
            result = view.shared(**params)
        elif method == "team_maintain":
            with self._writing:
                result = view.maintain_shared(params.get("holder"))
        else:
            raise InvalidInputError(f"unknown team method {method!r}", hint="Upgrade the client.")
        return {"result": result, "warnings": list(self.view.warnings)}

    def tick(self) -> None:
        """Send what was queued while the bucket was down; maintain the team store under
        the lease now and then. Called by the daemon's maintenance thread."""
        now = time.monotonic()
        if now - self._sent_at >= SEND_QUEUED_EVERY_S:
            self._sent_at = now
            with self._writing:
                sent = self.view.send_queued()
            if sent:
                log.info("team store %s: sent %d queued shared writes", self.uri, sent)
        if now - self._maintained_at >= self._maintain_every_s:
            self._maintained_at = now
            try:
                with self._writing:
                    report = self.view.maintain_shared()
            except MemdError as exc:
                log.warning("team store maintenance skipped: %s", exc.message)
                return
            log.info("team store maintenance: %s", report)

    def close(self) -> None:
        self.view.close_team()
