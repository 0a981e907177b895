"""The one interface callers program against.

The in-process :class:`memd.service.MemoryService` implements it, and so will the
daemon's client; an entry point picks one and the rest of the code cannot tell.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Protocol, runtime_checkable

from memd.anchors.model import Anchor
from memd.briefing import Briefing
from memd.move import MoveResult
from memd.records import CodeMatch, Hit, ImportResult, Kind, LearnResult, MemoryRecord, NewMemory, Stats

Progress = Callable[[int, int], None]
When = datetime | date | str | None


@runtime_checkable
class MemoryAPI(Protocol):
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
    ) -> MemoryRecord: ...

    def remember_many(
        self,
        items: Iterable[NewMemory | Mapping[str, Any]],
        *,
        progress: Progress | None = None,
    ) -> list[str]: ...

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
    ) -> list[Hit]: ...

    def get(self, id: str) -> MemoryRecord: ...

    def forget(self, id: str, *, purge: bool = False) -> MemoryRecord: ...

    def history(self, id: str) -> list[MemoryRecord]: ...

    def restore(self, id: str) -> MemoryRecord: ...

    def maintain(self) -> dict[str, int]: ...

    def pin(self, id: str, pinned: bool = True) -> MemoryRecord: ...

    def move(
        self, ids: Sequence[str] = (), *, project: str, from_project: str | None = None
    ) -> MoveResult: ...

    def link(self, a: str, b: str, relation: str = "related") -> None: ...

    def audit(
        self, id: str | None = None, *, action: str = "list", project: str | None = None
    ) -> list[MemoryRecord]: ...

    def code(
        self,
        action: str = "stale",
        *,
        id: str | None = None,
        path: str | None = None,
        symbol: str | None = None,
        root: str | None = None,
        project: str | None = None,
    ) -> list[CodeMatch]: ...

    def export(self, *, projects: Sequence[str] = (), with_vectors: bool = False) -> list[str]: ...

    def import_lines(self, lines: Sequence[str]) -> ImportResult: ...

    def links(self, id: str) -> list[dict[str, str]]: ...

    def context(
        self, project: str | None = None, *, max_tokens: int = 1500, task: str | None = None
    ) -> Briefing: ...

    def list(
        self,
        *,
        project: str | None = None,
        kinds: Sequence[Kind | str] | None = None,
        limit: int | None = 20,
        include_archived: bool = False,
    ) -> list[MemoryRecord]: ...

    def stats(self) -> Stats: ...

    def distill(
        self,
        *,
        project: str | None = None,
        since: When = None,
        progress: Progress | None = None,
        llm: bool = False,
    ) -> LearnResult: ...

    def reindex(self, *, progress: Progress | None = None) -> int: ...

    def close(self) -> None: ...
