"""One MemoryAPI over the personal store and the team's shared store.

Writes stay personal unless asked (``shared=True``): nothing personal is ever copied to the
team. Recall asks both and merges by score; a team hit carries the ``shared`` tag, which
every edge shows. The briefing gives the team's rules a third of its room, after the
personal ones. When the team store cannot be reached the personal answer comes alone and
``warnings`` says why; a shared write is queued in the team home's spool (secrets redacted)
and the next open that reaches the bucket sends it.
Everything else (get, list, forget, …) is the personal store's.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from memd.api import MemoryAPI
from memd.briefing import Briefing
from memd.errors import ConfigError, InvalidInputError, MemdError
from memd.records import Hit, MemoryRecord, parse_kind

log = logging.getLogger(__name__)
SHARED_TAG = "shared"
QUEUED_TAG = "queued"
RETRY_S = 30.0  # after a failed open, the team store is tried again this often
QUEUED_FIELDS = ("project", "kind", "source", "source_id", "importance", "pinned", "author")
TEAM_SHARE = 1 / 3  # of a briefing's room
# A long-lived process (an MCP server) sees teammates' writes within this many seconds: the
# team store is moved to its latest version before a read at most this often.
POLL_S = 5.0


@runtime_checkable
class SharedMemory(Protocol):
    """What an edge needs of an API with a team store: this view in-process, or
    :class:`memd.team.remote.DaemonTeamView` when the daemon holds the team store."""

    warnings: list[str]

    def remember(self, text: str, *, shared: bool = False, **kw: Any) -> MemoryRecord: ...

    def shared(self, *, project: str | None = None, limit: int | None = 20) -> list[MemoryRecord]: ...

    def maintain_shared(self, holder: str | None = None) -> dict[str, Any]: ...


class TeamView:
    """``local`` is the personal MemoryAPI (the daemon's client or the service); ``open_team``
    opens the shared store's service on first use. Safe to share between threads (the
    daemon serves every client through one view): opening is done once, and ``warnings``
    are the calling thread's own."""

    def __init__(
        self, local: MemoryAPI, open_team: Callable[[], MemoryAPI], uri: str, outbox: Path | None = None
    ) -> None:
        """``outbox``: the team store's own home, whose spool holds shared writes made while
        the bucket was unreachable; opening the team store sends them (memd.ingest.spool)."""
        self.local = local
        self.uri = uri
        self.outbox = outbox
        self._open_team = open_team
        self._team: MemoryAPI | None = None
        self._failed: str | None = None
        self._failed_at = 0.0
        self._followed_at = 0.0
        self._opening = threading.Lock()
        self._local = threading.local()

    @property
    def warnings(self) -> list[str]:
        """Why the team store was left out of this thread's answers (empty when it was not)."""
        if not hasattr(self._local, "warnings"):
            self._local.warnings = []
        found: list[str] = self._local.warnings
        return found

    def team(self) -> MemoryAPI:
        """The shared store, opened now; a :class:`MemdError` saying why when it cannot be."""
        with self._opening:
            return self._team_locked()

    def _team_locked(self) -> MemoryAPI:
        if self._team is None:
            if self._failed is not None and time.monotonic() - self._failed_at < RETRY_S:
                raise ConfigError(self._failed, hint="Check team_uri and the AWS_* settings; `memd doctor`.")
            try:
                self._team = self._open_team()  # sends what the outbox holds, first
                self._followed_at = time.monotonic()
                self._failed = None
            except (MemdError, OSError, RuntimeError, ValueError) as exc:
                # LanceDB says what went wrong with a bucket in its own exceptions (a table
                # "not found" mid-creation is a ValueError): all mean "not reachable now".
                why = exc.message if isinstance(exc, MemdError) else f"{type(exc).__name__}: {exc}"
                self._failed = f"the team store {self.uri} is unavailable: {why[:300]}"
                self._failed_at = time.monotonic()
                if isinstance(exc, MemdError):
                    raise
                raise ConfigError(
                    self._failed, hint="Check team_uri and the AWS_* settings; `memd doctor`."
                ) from exc
        elif time.monotonic() - self._followed_at >= POLL_S:
            follow = getattr(getattr(self._team, "store", None), "follow", None)
            if follow is not None:
                follow()
            self._followed_at = time.monotonic()
        return self._team

    def _warn(self, exc: Exception) -> None:
        why = str(getattr(exc, "message", exc))
        why = why if len(why) <= 200 else why[:200] + "…"  # LanceDB's errors carry a whole backtrace
        text = f"team store {self.uri} not reached ({why}); showing personal memories only"
        if text not in self.warnings:
            self.warnings.append(text)
            log.warning(text)

    # -- writes -----------------------------------------------------------------------

    def remember(self, text: str, *, shared: bool = False, **kw: Any) -> MemoryRecord:
        if not shared:
            return self.local.remember(text, **kw)
        tags = [*(kw.pop("tags", None) or ()), SHARED_TAG]
        try:
            return self.team().remember(text, tags=tags, **kw)
        except (MemdError, OSError, RuntimeError) as exc:
            if isinstance(exc, InvalidInputError) or self.outbox is None or kw.get("supersedes"):
                raise
            self._warn(exc)
            return self._queue(text, tags, kw)

    def _queue(self, text: str, tags: list[str], kw: dict[str, Any]) -> MemoryRecord:
        """Keep a shared write for when the team store is back: in the outbox, secrets
        redacted, fsynced; the record returned is marked ``queued`` and has no store id yet."""
        from memd.ingest import spool
        from memd.text import content_hash

        now = datetime.now(UTC)
        anchors = [
            a.model_dump(mode="json") if hasattr(a, "model_dump") else a for a in kw.get("anchors") or ()
        ]
        item = {k: v for k, v in kw.items() if k in QUEUED_FIELDS and v is not None}
        item |= {
            "text": text,
            "tags": tags,
            "created_at": kw.get("created_at") or now.isoformat(),
            "anchors": anchors,
        }
        assert self.outbox is not None  # remember() queues only with an outbox
        spool.append(self.outbox, item)
        return MemoryRecord(
            id=f"queued-{uuid.uuid4().hex[:12]}",
            text=text,
            kind=parse_kind(kw.get("kind") or "semantic"),
            project=kw.get("project") or "default",
            tags=(*tags, QUEUED_TAG),
            source=kw.get("source") or "api",
            created_at=now,
            updated_at=now,
            content_hash=content_hash(text),
        )

    # -- reads ------------------------------------------------------------------------

    def recall(self, query: str, *, k: int = 10, **kw: Any) -> list[Hit]:
        hits = self.local.recall(query, k=k, **kw)
        try:
            shared = self.team().recall(query, k=k, **kw)
        except (MemdError, OSError, RuntimeError) as exc:
            self._warn(exc)
            return hits
        return sorted([*hits, *shared], key=lambda h: -h.score)[:k]

    def context(
        self, project: str | None = None, *, max_tokens: int = 1500, task: str | None = None
    ) -> Briefing:
        team_tokens = max(100, int(max_tokens * TEAM_SHARE))
        mine = self.local.context(project, max_tokens=max(100, max_tokens - team_tokens), task=task)
        try:
            theirs = self.team().context(mine.project, max_tokens=team_tokens, task=task)
        except (MemdError, OSError, RuntimeError) as exc:
            self._warn(exc)
            return mine
        if not theirs.memory_ids:
            return mine
        body = theirs.text.split("\n", 1)[1] if "\n" in theirs.text else ""
        body = body.replace("\n## ", "\n### ")  # the team's sections sit under one heading
        text = mine.text.replace("\nNo memories for this project yet.", "")
        return Briefing(
            project=mine.project,
            text=f"{text}\n\n## From the team ({self.uri})\n{body.strip()}",
            memory_ids=[*mine.memory_ids, *theirs.memory_ids],
            truncated=mine.truncated or theirs.truncated,
        )

    def maintain_shared(self, holder: str | None = None) -> dict[str, Any]:
        """Maintenance of the team store (tiers, compaction, old versions) if this machine
        holds the lease (memd.team.lease); else who holds it and until when."""
        from memd.team.lease import Lease, holder_name

        team = self.team()
        lease = Lease(team.store, holder or holder_name())  # type: ignore[attr-defined]
        if not lease.acquire():
            held = lease.current() or {}
            return {"ran": False, "holder": held.get("holder"), "until": held.get("until")}
        try:
            moves = team.maintain()
            team.compact()  # type: ignore[attr-defined]
        finally:
            lease.release()
        return {"ran": True, "holder": lease.holder, "moves": moves}

    def shared(self, *, project: str | None = None, limit: int | None = 20) -> list[MemoryRecord]:
        """The team store's memories (``memd list --shared``)."""
        return self.team().list(project=project, limit=limit)

    def send_queued(self) -> int:
        """Send the shared writes queued while the bucket was unreachable, if it is reachable
        now (a long-running daemon calls this; a one-shot command sends them on open)."""
        from memd.ingest import spool

        if self.outbox is None or not spool.pending(self.outbox):
            return 0
        try:
            return spool.drain(self.outbox, self.team().remember_many)
        except (MemdError, OSError, RuntimeError) as exc:
            self._warn(exc)
            return 0

    def close_team(self) -> None:
        with self._opening:
            if self._team is not None:
                self._team.close()
                self._team = None

    def close(self) -> None:
        self.local.close()
        self.close_team()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.local, name)


def remember_shared(api: MemoryAPI | SharedMemory, text: str, **kw: Any) -> MemoryRecord:
    """A shared write through whatever API an edge holds; a clear error without a team store."""
    if not isinstance(api, SharedMemory):
        raise ConfigError(
            "no team store is set up",
            hint="Set one: memd config set team_uri s3://bucket/prefix (or MEMD_TEAM_URI).",
        )
    return api.remember(text, shared=True, **kw)


def is_shared(tags: Sequence[str] | None) -> bool:
    return SHARED_TAG in (tags or ())


def maintain_shared(api: MemoryAPI | SharedMemory) -> dict[str, Any]:
    """The team store's maintenance through whatever API an edge holds."""
    if not isinstance(api, SharedMemory):
        raise ConfigError("no team store is set up", hint="memd config set team_uri s3://bucket/prefix")
    return api.maintain_shared()
