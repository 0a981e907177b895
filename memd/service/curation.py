"""Curation: reading, listing and briefing memories, and the changes a person or an agent
makes to one — forget, pin, link, move — with its history kept."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence

from memd.briefing import Briefing, brief_project, check_request
from memd.clock import Clock
from memd.embedding import Embedder
from memd.errors import InvalidInputError
from memd.move import MoveResult, move_memories
from memd.records import Kind, MemoryRecord, Stats, Tier, parse_kind
from memd.service.lookup import Lookup
from memd.service.tasked import TaskFocus
from memd.service.writing import Writer
from memd.store import Store
from memd.store.filters import Filter, as_tuple


class Curator:
    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        clock: Clock,
        lookup: Lookup,
        writer: Writer,
        home: str,
        focus: TaskFocus | None = None,
    ) -> None:
        self._store = store
        self._embedder = embedder
        self._clock = clock
        self._lookup = lookup
        self._writer = writer
        self._home = home
        self._focus = focus

    def forget(self, id: str, *, purge: bool = False) -> MemoryRecord:
        """Archive a memory (recoverable), or with ``purge`` remove it for good."""
        with self._store.writing():
            record = self._lookup.get(id)
            if purge:
                # Nothing of a purged memory may stay behind, in RAM either.
                self._writer.forget_cached(record.id)
                self._store.delete([record.id])
                self._store.compact(drop_history=True)
            else:
                self._store.update(record.id, {"tier": Tier.ARCHIVED.value, "updated_at": self._clock.now()})
        return record if purge else self._lookup.get(record.id)

    def history(self, id: str) -> builtins.list[MemoryRecord]:
        """The supersession chain through a memory, oldest first."""
        record = self._lookup.get(id)
        chain = [record]
        seen = {record.id}
        # Walk back through what this memory superseded, then forward to what replaced it.
        while True:
            older = [
                link["dst"]
                for link in self._store.links_of([chain[0].id])
                if link["relation"] == "supersedes" and link["src"] == chain[0].id and link["dst"] not in seen
            ]
            if not older:
                break
            chain.insert(0, self._lookup.get(older[0]))
            seen.add(older[0])
        while chain[-1].superseded_by and chain[-1].superseded_by not in seen:
            nxt = self._lookup.get(chain[-1].superseded_by)
            chain.append(nxt)
            seen.add(nxt.id)
        return chain

    def archive_sources(self, project: str, prefix: str, keep: Iterable[str] = ()) -> int:
        """Archive the current memories of ``project`` whose source_id starts with
        ``prefix``, except those in ``keep`` (a deleted file, its removed sections)."""
        keep = set(keep)
        with self._store.writing():
            found = self._store.find_source_prefix(project, prefix)
            gone = [mid for sid, mid in found.items() if sid not in keep]
            now = self._clock.now()
            for mid in gone:
                self._store.update(mid, {"tier": Tier.ARCHIVED.value, "updated_at": now})
        return len(gone)

    def move(self, ids: Sequence[str] = (), *, project: str, from_project: str | None = None) -> MoveResult:
        """Move memories (or a whole project's) to ``project``: see :mod:`memd.move`."""
        return move_memories(
            self._store,
            self._clock.now(),
            self._lookup.resolve,
            project=project,
            ids=ids,
            from_project=from_project,
        )

    def pin(self, id: str, pinned: bool = True) -> MemoryRecord:
        """Pinned memories never fade and lead every project briefing."""
        with self._store.writing():
            record = self._lookup.get(id)
            self._store.update(record.id, {"pinned": pinned, "updated_at": self._clock.now()})
        return self._lookup.get(record.id)

    def link(self, a: str, b: str, relation: str = "related") -> None:
        """Record that two memories belong together (retrieval follows such links)."""
        relation = (relation or "related").strip().lower()
        if not relation.replace("-", "").replace("_", "").isalnum() or len(relation) > 40:
            raise InvalidInputError(
                f"relation {relation!r} is not allowed",
                hint="Use a short word such as related, causes, fixes or part-of.",
            )
        with self._store.writing():
            src, dst = self._lookup.get(a), self._lookup.get(b)
            if src.id == dst.id:
                raise InvalidInputError("a memory cannot be linked to itself", hint="Pass two different ids.")
            self._store.add_links(
                [
                    {
                        "src": src.id,
                        "dst": dst.id,
                        "relation": relation,
                        "created_at": self._clock.now(),
                    }
                ]
            )

    def links(self, id: str) -> builtins.list[dict[str, str]]:
        record = self._lookup.get(id)
        return [
            {"src": link["src"], "dst": link["dst"], "relation": link["relation"]}
            for link in self._store.links_of([record.id])
        ]

    def context(
        self, project: str | None = None, *, max_tokens: int = 1500, task: str | None = None
    ) -> Briefing:
        """A briefing for ``project``: pinned rules, conventions, decisions, facts, open
        problems (memd.briefing); with ``task``, what a search for it finds first
        (memd.service.tasked), then the rest with what shares its words leading."""
        name = (project or self._writer.default_project).strip()
        check_request(max_tokens, task)
        focus = self._focus.of(name, task) if self._focus is not None else []
        return brief_project(self._store, name, max_tokens, task=task, now=self._clock.now(), focus=focus)

    def list(
        self,
        *,
        project: str | None = None,
        kinds: Sequence[Kind | str] | None = None,
        limit: int | None = 20,
        include_archived: bool = False,
    ) -> builtins.list[MemoryRecord]:
        flt = Filter(
            projects=as_tuple(project),
            kinds=tuple(parse_kind(x).value for x in kinds or ()),
            include_archived=include_archived,
            include_superseded=include_archived,
        )
        return [MemoryRecord.from_row(r) for r in self._store.scan(flt, limit=limit)]

    def stats(self) -> Stats:
        meta = self._store.meta()
        return Stats(
            home=self._home,
            store=self._store.location,
            schema_version=int(meta["schema_version"]),
            embed_model=meta["embed_model"],
            embed_dim=int(meta["embed_dim"]),
            device=self._embedder.device,
            total=self._store.count(),
            by_project=self._store.counts_by("project"),
            by_kind=self._store.counts_by("kind"),
            by_tier=self._store.counts_by("tier"),
        )
