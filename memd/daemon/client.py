"""The daemon's client: the same MemoryAPI as the in-process service, over the socket."""

from __future__ import annotations

import builtins
import json
import socket
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from memd.anchors.model import Anchor, load_anchors
from memd.api import Progress, When
from memd.briefing import Briefing
from memd.daemon import protocol, socket_path
from memd.errors import DaemonUnavailableError, MemdError
from memd.move import MoveResult
from memd.records import CodeMatch, Hit, ImportResult, Kind, LearnResult, MemoryRecord, NewMemory, Stats


class DaemonClient:
    """Talks to a running daemon. Thread-safe: one request at a time per client."""

    def __init__(self, path: Path, *, timeout: float = 120.0) -> None:
        self._path = path
        self._timeout = timeout
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._reader: Any = None
        self._next_id = 0
        self.info: dict[str, Any] = {}  # the daemon's answer to the first ping

    # -- transport -------------------------------------------------------------------
    def _connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self._timeout)
        try:
            sock.connect(str(self._path))
        except OSError as exc:
            sock.close()
            raise DaemonUnavailableError(f"the daemon at {self._path} is not answering ({exc})") from None
        self._sock = sock
        self._reader = sock.makefile("rb")

    def call(self, method: str, **params: Any) -> Any:
        with self._lock:
            for attempt in (1, 2):
                if self._sock is None:
                    self._connect()
                assert self._sock is not None
                self._next_id += 1
                request = {
                    "v": protocol.VERSION,
                    "id": self._next_id,
                    "method": method,
                    "params": params,
                }
                try:
                    self._sock.sendall(protocol.encode(request))
                    line = self._reader.readline(protocol.MAX_LINE)
                except OSError:
                    line = b""
                if line:
                    break
                self._close_socket()
                if attempt == 2 or method not in _SAFE_TO_RETRY:
                    raise DaemonUnavailableError("the daemon closed the connection")
            response = json.loads(line)
        if "error" in response:
            protocol.raise_error(response["error"])
        return response.get("result")

    def _close_socket(self) -> None:
        if self._reader is not None:
            self._reader.close()
        if self._sock is not None:
            self._sock.close()
        self._sock = self._reader = None

    # -- MemoryAPI -------------------------------------------------------------------
    def remember(
        self,
        text: str,
        *,
        project: str | None = None,
        kind: Kind | str | None = None,
        tags: Sequence[str] = (),
        source: str | None = None,
        source_id: str | None = None,
        created_at: When = None,
        importance: float | None = None,
        pinned: bool = False,
        supersedes: str | None = None,
        author: str | None = None,
        anchors: Sequence[Anchor | Mapping[str, Any]] = (),
    ) -> MemoryRecord:
        return MemoryRecord.model_validate(
            self.call(
                "remember",
                text=text,
                project=project,
                kind=kind,
                tags=list(tags),
                source=source,
                source_id=source_id,
                created_at=created_at,
                importance=importance,
                pinned=pinned,
                supersedes=supersedes,
                author=author,
                anchors=[load_anchors([a])[0].model_dump(mode="json") for a in anchors],
            )
        )

    def remember_many(
        self,
        items: Iterable[NewMemory | Mapping[str, Any]],
        *,
        progress: Progress | None = None,
    ) -> builtins.list[str]:
        payload = [i.model_dump(mode="json") if isinstance(i, NewMemory) else dict(i) for i in items]
        ids = self.call("remember_many", items=payload)
        if progress is not None:
            progress(len(ids), len(ids))
        return list(ids)

    def recall(
        self,
        query: str,
        *,
        k: int = 10,
        project: str | Sequence[str] | None = None,
        kinds: Sequence[Kind | str] | None = None,
        since: When = None,
        until: When = None,
        include_archived: bool = False,
    ) -> builtins.list[Hit]:
        result = self.call(
            "recall",
            query=query,
            k=k,
            project=project,
            kinds=list(kinds) if kinds else None,
            since=since,
            until=until,
            include_archived=include_archived,
        )
        return [Hit.model_validate(h) for h in result]

    def get(self, id: str) -> MemoryRecord:
        return MemoryRecord.model_validate(self.call("get", id=id))

    def forget(self, id: str, *, purge: bool = False) -> MemoryRecord:
        return MemoryRecord.model_validate(self.call("forget", id=id, purge=purge))

    def history(self, id: str) -> builtins.list[MemoryRecord]:
        return [MemoryRecord.model_validate(r) for r in self.call("history", id=id)]

    def restore(self, id: str) -> MemoryRecord:
        return MemoryRecord.model_validate(self.call("restore", id=id))

    def maintain(self) -> dict[str, int]:
        return dict(self.call("maintain"))

    def pin(self, id: str, pinned: bool = True) -> MemoryRecord:
        return MemoryRecord.model_validate(self.call("pin", id=id, pinned=pinned))

    def move(self, ids: Sequence[str] = (), *, project: str, from_project: str | None = None) -> MoveResult:
        return MoveResult.model_validate(
            self.call("move", ids=list(ids), project=project, from_project=from_project)
        )

    def export(self, *, projects: Sequence[str] = (), with_vectors: bool = False) -> builtins.list[str]:
        return [str(x) for x in self.call("export", projects=list(projects), with_vectors=with_vectors)]

    def import_lines(self, lines: Sequence[str]) -> ImportResult:
        return ImportResult.model_validate(self.call("import_lines", lines=list(lines)))

    def code(
        self,
        action: str = "stale",
        *,
        id: str | None = None,
        path: str | None = None,
        symbol: str | None = None,
        root: str | None = None,
        project: str | None = None,
    ) -> builtins.list[CodeMatch]:
        rows = self.call("code", action=action, id=id, path=path, symbol=symbol, root=root, project=project)
        return [CodeMatch.model_validate(r) for r in rows]

    def audit(
        self, id: str | None = None, *, action: str = "list", project: str | None = None
    ) -> builtins.list[MemoryRecord]:
        rows = self.call("audit", id=id, action=action, project=project)
        return [MemoryRecord.model_validate(r) for r in rows]

    def link(self, a: str, b: str, relation: str = "related") -> None:
        self.call("link", a=a, b=b, relation=relation)

    def links(self, id: str) -> builtins.list[dict[str, str]]:
        return list(self.call("links", id=id))

    def context(
        self, project: str | None = None, *, max_tokens: int = 1500, task: str | None = None
    ) -> Briefing:
        params: dict[str, Any] = {"project": project, "max_tokens": max_tokens}
        if task:  # an older daemon takes no task: ask it only when there is one
            params["task"] = task
        return Briefing.model_validate(self.call("context", **params))

    def list(
        self,
        *,
        project: str | None = None,
        kinds: Sequence[Kind | str] | None = None,
        limit: int | None = 20,
        include_archived: bool = False,
    ) -> builtins.list[MemoryRecord]:
        result = self.call(
            "list",
            project=project,
            kinds=list(kinds) if kinds else None,
            limit=limit,
            include_archived=include_archived,
        )
        return [MemoryRecord.model_validate(r) for r in result]

    def stats(self) -> Stats:
        return Stats.model_validate(self.call("stats"))

    def reindex(self, *, progress: Progress | None = None) -> int:
        n = int(self.call("reindex"))
        if progress is not None:
            progress(n, n)
        return n

    def distill(
        self,
        *,
        project: str | None = None,
        since: When = None,
        progress: Progress | None = None,
        llm: bool = False,
    ) -> LearnResult:
        params: dict[str, Any] = {"project": project}
        if llm:
            params["llm"] = True
        if since is not None:
            params["since"] = since if isinstance(since, str) else since.isoformat()
        result = LearnResult.model_validate(self.call("distill", **params))
        if progress is not None:
            progress(1, 1)
        return result

    def close(self) -> None:
        with self._lock:
            self._close_socket()

    # -- daemon ------------------------------------------------------------------------
    def ping(self) -> dict[str, Any]:
        return dict(self.call("ping"))

    def status(self) -> dict[str, Any]:
        return dict(self.call("status"))

    def shutdown(self) -> None:
        self.call("shutdown")


# Reads can be resent after a dropped connection; a write might have been applied.
_SAFE_TO_RETRY = frozenset(
    {"ping", "status", "recall", "get", "history", "links", "context", "list", "stats"}
)


def connect(home: Path, *, timeout: float = 120.0) -> DaemonClient | None:
    """A client of the daemon serving ``home``, or None when none answers."""
    path = socket_path(home)
    if not path.exists():
        return None
    client = DaemonClient(path, timeout=timeout)
    try:
        client.info = client.ping()
    except MemdError:
        client.close()
        return None
    return client
