"""The one interface callers program against.

The in-process :class:`memd.service.MemoryService` implements it, and so does the daemon's
client (:mod:`memd.daemon.client`); an entry point picks one (``memd.connect``) and the rest of
the code cannot tell. Each method's docstring is its contract: what it takes, what it gives
back, which :mod:`memd.errors` it raises. Every error is a :class:`~memd.errors.MemdError`
carrying a ``hint`` that says how to fix it; nothing stored is changed by a call that raises.
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
    ) -> MemoryRecord:
        """Store one memory and return it as stored: ``remember_many`` of one item, plus
        ``supersedes`` — the id (or a unique prefix) of an older memory this one replaces; the
        old one is kept as history (``history``) and left out of recall and briefings, and
        the new one inherits its project, kind, tags, author and code anchors unless given.

        ``project``: default the configured default project; ``kind``: episodic, semantic,
        procedural, preference or decision (guessed from the text when None); ``source`` /
        ``source_id``: where it came from (a known ``source_id`` with new text supersedes
        the memory stored under it); ``created_at``: when it was said (default now);
        ``author``: who said it; ``anchors``: the code it describes. Secrets are redacted
        before anything is written; text that tries to instruct an agent is stored flagged.
        A text already stored in the project reinforces that memory instead of adding one.

        Raises EmptyTextError, TextTooLongError (``max_text_chars``), InvalidInputError (a
        bad kind, time or anchor), NotFoundError / AmbiguousIdError (``supersedes``),
        StoreError subclasses (disk full, read-only store)."""
        ...

    def remember_many(
        self,
        items: Iterable[NewMemory | Mapping[str, Any]],
        *,
        progress: Progress | None = None,
    ) -> list[str]:
        """Store many memories in one write: each item has ``remember``'s fields (a
        :class:`~memd.records.NewMemory` or a mapping), the ids come back in the items' order.
        Conversation turns (source ``import``/``hook``) are read by the learner afterwards
        (rules, decisions, facts become memories of their own). ``progress(done, total)`` is
        called as batches are embedded. All or nothing: one invalid item raises
        InvalidInputError naming its position, and nothing is written."""
        ...

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
    ) -> list[Hit]:
        """The ``k`` (1..1000) memories that best answer ``query``, best first, each with its
        fused score and the channels that found it (``Hit.channels``: semantic, keyword,
        entity, temporal, spreading, associative, consolidation, and the priors and steps
        that moved it). Current versions only unless ``include_archived``. ``project``: one
        name or several (None: every project); ``kinds``, ``since``, ``until`` narrow it.
        Reinforces the top hits (recall is use). Raises InvalidInputError (an empty query,
        ``k`` out of range, an unreadable time)."""
        ...

    def get(self, id: str) -> MemoryRecord:
        """One memory by its id or a unique prefix of at least 4 characters. Raises
        NotFoundError, AmbiguousIdError."""
        ...

    def forget(self, id: str, *, purge: bool = False) -> MemoryRecord:
        """Archive a memory (kept, left out of recall; ``restore`` brings it back) and return
        it; with ``purge`` remove it and its history for good. Raises NotFoundError."""
        ...

    def history(self, id: str) -> list[MemoryRecord]:
        """The versions of the memory ``id`` belongs to, oldest first (supersession chain)."""
        ...

    def restore(self, id: str) -> MemoryRecord:
        """Bring an archived memory back to the active tier and return it. Raises NotFoundError."""
        ...

    def maintain(self) -> dict[str, int]:
        """One pass of upkeep: forgetting curves applied (tiers moved, vectors of faded memories
        compressed, never deleted), episodes consolidated; returns counts by what was done."""
        ...

    def pin(self, id: str, pinned: bool = True) -> MemoryRecord:
        """Pin (or unpin) a memory: it never fades and leads every briefing of its project."""
        ...

    def move(self, ids: Sequence[str] = (), *, project: str, from_project: str | None = None) -> MoveResult:
        """Move memories (``ids``) or a whole project (``from_project``) to ``project``,
        history and links with them; returns what moved. Raises InvalidInputError when
        nothing is named or the target project is not a 1-200 character name."""
        ...

    def link(self, a: str, b: str, relation: str = "related") -> None:
        """Link two memories (``relation``: a short word such as related, causes, fixes);
        spreading activation follows links in recall. Raises InvalidInputError, NotFoundError."""
        ...

    def audit(
        self, id: str | None = None, *, action: str = "list", project: str | None = None
    ) -> list[MemoryRecord]:
        """The review of memories flagged as trying to instruct the agent: ``list`` them
        (of ``project`` or all), ``approve`` one (it may then brief and teach) or
        ``quarantine`` it (kept flagged, out of briefings and learning). Raises
        InvalidInputError (an unknown action, or one without an id), NotFoundError."""
        ...

    def code(
        self,
        action: str = "stale",
        *,
        id: str | None = None,
        path: str | None = None,
        symbol: str | None = None,
        root: str | None = None,
        project: str | None = None,
    ) -> list[CodeMatch]:
        """Memories and their code: ``stale`` (anchored memories checked against the code
        now: moved ones followed, changed ones marked, deleted ones archived), ``about``
        (memories of ``path`` and/or ``symbol`` under ``root``, incl. code that calls it),
        ``confirm`` (``id`` still holds: re-anchor it to the code as it is now)."""
        ...

    def export(self, *, projects: Sequence[str] = (), with_vectors: bool = False) -> list[str]:
        """Every memory (of ``projects``, or all) as JSON lines, history and links included;
        ``import_lines`` reads them back."""
        ...

    def import_lines(self, lines: Sequence[str]) -> ImportResult:
        """Read ``export``'s JSON lines; a memory whose id is already stored is skipped.
        Raises InvalidInputError naming the first bad line, with nothing written."""
        ...

    def links(self, id: str) -> list[dict[str, str]]:
        """The links of one memory: ``{"src", "dst", "relation"}`` each."""
        ...

    def context(
        self, project: str | None = None, *, max_tokens: int = 1500, task: str | None = None
    ) -> Briefing:
        """The briefing of ``project`` for an agent starting work (memd.briefing): pinned, the
        rules in force, decisions, facts, open problems, what the user told, recent events,
        within ``max_tokens`` (50..100000); never a replaced version or a line a later word
        made stale. With ``task`` (up to 2,000 characters) what a search for it finds comes
        first, whole (memd.service.tasked). Raises InvalidInputError."""
        ...

    def list(
        self,
        *,
        project: str | None = None,
        kinds: Sequence[Kind | str] | None = None,
        limit: int | None = 20,
        include_archived: bool = False,
    ) -> list[MemoryRecord]:
        """Current memories, newest first, of ``project`` (None: every project) and
        ``kinds``, at most ``limit`` (None: all)."""
        ...

    def stats(self) -> Stats:
        """Where the store is, its schema and embedding model, the device, counts."""
        ...

    def distill(
        self,
        *,
        project: str | None = None,
        since: When = None,
        progress: Progress | None = None,
        llm: bool = False,
    ) -> LearnResult:
        """Run the learner over conversation turns already stored (of ``project``, from
        ``since``): rules, decisions, facts and problems become memories, a newer statement
        on a subject replaces the older one. Safe to run again. ``llm``: the local model also
        reads sentences the rules found nothing in (slow)."""
        ...

    def reindex(self, *, progress: Progress | None = None) -> int:
        """Embed every memory again with the configured model (after changing it); returns
        how many."""
        ...

    def close(self) -> None:
        """Write what is pending (reinforcements) and release the store and models."""
        ...
