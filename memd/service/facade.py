"""The in-process implementation of :class:`memd.api.MemoryAPI`: a thin façade.

Each call goes to the one component that owns it:

- :mod:`~memd.service.writing` — remember: validate, deduplicate, supersede, embed, store;
- :mod:`~memd.service.recalling` — recall: fuse the channels, weigh retention, rerank;
- :mod:`~memd.service.reinforcement` — recalled and restated memories grow stronger;
- :mod:`~memd.service.maintenance` — forgetting, tiers, consolidation, restore, reindex;
- :mod:`~memd.service.curation` — get, list, brief, forget, pin, link, move, history.

The façade holds no state of its own; :meth:`MemoryService.assemble` wires the parts.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from memd.anchors.check import shared_checker
from memd.anchors.model import Anchor
from memd.api import Progress, When
from memd.briefing import Briefing
from memd.clock import Clock
from memd.distill.slots import Reader
from memd.embedding import Embedder
from memd.errors import ConfigError
from memd.lifecycle import Policy
from memd.lifecycle.consolidate import Summarizer
from memd.move import MoveResult
from memd.records import CodeMatch, Hit, ImportResult, Kind, LearnResult, MemoryRecord, NewMemory, Stats
from memd.retrieval import MemoryIndex, Retriever
from memd.service.codewatch import CodeWatch
from memd.service.compaction import Compactor
from memd.service.curation import Curator
from memd.service.learning import Learner
from memd.service.lookup import Lookup
from memd.service.maintenance import Maintenance
from memd.service.recalling import Recaller, RecallOptions
from memd.service.reinforcement import Reinforcements
from memd.service.tasked import TaskFocus
from memd.service.writing import Writer, WriteRules
from memd.store import Row, Store


@dataclass(frozen=True)
class ServiceConfig:
    """The settings the service's parts take, grouped (the composition root fills it)."""

    home: str
    rules: WriteRules
    policy: Policy = field(default_factory=Policy)
    recall: RecallOptions = field(default_factory=RecallOptions)
    compact_every: int = 32
    distill: bool = True
    llm_reader: Callable[[], Reader] | None = None
    summarizer: Summarizer | None = None  # consolidation's (None: extractive)


@dataclass(frozen=True)
class Parts:
    store: Store
    embedder: Embedder
    retriever: Retriever
    index: MemoryIndex
    compactor: Compactor
    reinforcements: Reinforcements
    lookup: Lookup
    writer: Writer
    recaller: Recaller
    maintenance: Maintenance
    curator: Curator
    clock: Clock
    code: CodeWatch
    learner: Learner | None = None
    # Builds the reader of LLM mode (the model loads on first use); None: no model set up.
    llm_reader: Callable[[], Reader] | None = None


class MemoryService:
    """Remembers and recalls; see the module docstring for who does what."""

    def __init__(self, parts: Parts) -> None:
        self._p = parts

    @classmethod
    def assemble(
        cls,
        store: Store,
        embedder: Embedder,
        retriever: Retriever,
        index: MemoryIndex,
        clock: Clock,
        config: ServiceConfig,
    ) -> MemoryService:
        compactor = Compactor(store, config.compact_every)
        reinforcements = Reinforcements(store, index, clock, config.policy, compactor)
        lookup = Lookup(store)
        writer = Writer(store, embedder, index, clock, lookup, reinforcements, compactor, config.rules)
        recaller = Recaller(
            store, embedder, retriever, index, clock, config.policy, reinforcements, config.recall
        )
        maintenance = Maintenance(
            store,
            embedder,
            clock,
            config.policy,
            lookup,
            reinforcements,
            writer,
            summarizer=config.summarizer,
        )
        curator = Curator(store, embedder, clock, lookup, writer, config.home, TaskFocus(recaller, embedder))
        learner = Learner(store, writer, clock) if config.distill else None
        code = CodeWatch(store, lookup, clock, shared_checker())
        return cls(
            Parts(
                store=store,
                embedder=embedder,
                retriever=retriever,
                index=index,
                compactor=compactor,
                reinforcements=reinforcements,
                lookup=lookup,
                writer=writer,
                code=code,
                recaller=recaller,
                maintenance=maintenance,
                curator=curator,
                clock=clock,
                learner=learner,
                llm_reader=config.llm_reader,
            )
        )

    # -- the parts, for the daemon, the watcher, benchmarks and tests ----------------
    @property
    def store(self) -> Store:
        return self._p.store

    @property
    def retriever(self) -> Retriever:
        return self._p.retriever

    @property
    def index(self) -> MemoryIndex:
        return self._p.index

    @property
    def embedder(self) -> Embedder:
        return self._p.embedder

    @property
    def recaller(self) -> Recaller:
        return self._p.recaller

    def warm(self) -> None:
        """Do now what the first recall would otherwise wait for (the daemon calls it
        at start): measuring the relevance gate's level embeds two dozen sentences."""
        gate = self._p.retriever.gate
        if gate is not None:
            gate.level(self._p.embedder)

    # -- writing ---------------------------------------------------------------------
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
        record = self._p.writer.remember(
            text,
            project=project,
            kind=kind,
            tags=tags,
            source=source,
            source_id=source_id,
            created_at=created_at,
            importance=importance,
            pinned=pinned,
            supersedes=supersedes,
            author=author,
            anchors=anchors,
        )
        if self._p.learner is not None and record.kind is Kind.EPISODIC:
            self._p.learner.learn([record.model_dump()])
        return record

    def remember_many(
        self,
        items: Iterable[NewMemory | Mapping[str, Any]],
        *,
        progress: Progress | None = None,
    ) -> list[str]:
        """Store many memories with batched embedding.

        Everything is validated before anything is written, so one bad item
        leaves the store untouched. Returns one id per item, in order; an item
        whose content the project already holds returns the existing id.
        """
        writer = self._p.writer
        rows = writer.prepare_many(items)
        ids = writer.write_prepared(rows, progress=progress)
        self.learn([r for r, i in zip(rows, ids, strict=True) if r["id"] == i])
        return ids

    def learn(self, rows: Sequence[Row], *, embed: bool = True, reader: Reader | None = None) -> LearnResult:
        """Distil stored turns into typed memories (memd.distill); the daemon calls it
        after acknowledging a write, so learning never delays ``remember``. ``reader``
        replaces the rules (LLM mode: memd.distill.llm)."""
        if reader is not None:
            return Learner(self._p.store, self._p.writer, self._p.clock, reader).learn(rows, embed=embed)
        if self._p.learner is None:
            return LearnResult(stored=0, replaced=0, confirmed=0)
        return self._p.learner.learn(rows, embed=embed)

    def distill(
        self,
        *,
        project: str | None = None,
        since: When = None,
        progress: Progress | None = None,
        llm: bool = False,
    ) -> LearnResult:
        """Run distillation over turns already stored (memd.service.redistill);
        idempotent. Works even when the ``distill`` setting is off. With ``llm``, the
        local model (``distill_llm_model``) reads what the rules could not: slow."""
        from memd.service.redistill import redistill
        from memd.text import parse_time

        if llm:
            if self._p.llm_reader is None:
                raise ConfigError("no model for LLM distillation", hint="Set distill_llm_model.")
            learner = Learner(self._p.store, self._p.writer, self._p.clock, self._p.llm_reader())
        else:
            learner = self._p.learner or Learner(self._p.store, self._p.writer, self._p.clock)
        return redistill(
            self._p.store, learner, project=project, since=parse_time(since, field="since"), progress=progress
        )

    def prepare_many(self, items: Iterable[NewMemory | Mapping[str, Any]]) -> builtins.list[Row]:
        return self._p.writer.prepare_many(items)

    def write_prepared(
        self,
        rows: builtins.list[Row],
        *,
        progress: Progress | None = None,
        embed: bool = True,
        supersede: Mapping[str, str] | None = None,
    ) -> builtins.list[str]:
        return self._p.writer.write_prepared(rows, progress=progress, embed=embed, supersede=supersede)

    def embed_pending(self, ids: Sequence[str] | None = None) -> int:
        return self._p.writer.embed_pending(ids)

    def embed_rows(self, rows: Sequence[Row]) -> None:
        self._p.writer.embed_rows(rows)

    # -- reading ---------------------------------------------------------------------
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
        hits = self._p.recaller.recall(
            query,
            k=k,
            project=project,
            kinds=kinds,
            since=since,
            until=until,
            include_archived=include_archived,
        )
        # Hits about code are checked against it now (a stat per file when unchanged).
        return self._p.code.refresh_hits(hits)

    def get(self, id: str) -> MemoryRecord:
        return self._p.lookup.get(id)

    def history(self, id: str) -> builtins.list[MemoryRecord]:
        return self._p.curator.history(id)

    def links(self, id: str) -> builtins.list[dict[str, str]]:
        return self._p.curator.links(id)

    def context(
        self, project: str | None = None, *, max_tokens: int = 1500, task: str | None = None
    ) -> Briefing:
        return self._p.curator.context(project, max_tokens=max_tokens, task=task)

    def list(
        self,
        *,
        project: str | None = None,
        kinds: Sequence[Kind | str] | None = None,
        limit: int | None = 20,
        include_archived: bool = False,
    ) -> builtins.list[MemoryRecord]:
        return self._p.curator.list(
            project=project, kinds=kinds, limit=limit, include_archived=include_archived
        )

    def stats(self) -> Stats:
        return self._p.curator.stats()

    # -- curation --------------------------------------------------------------------
    def forget(self, id: str, *, purge: bool = False) -> MemoryRecord:
        return self._p.curator.forget(id, purge=purge)

    def pin(self, id: str, pinned: bool = True) -> MemoryRecord:
        return self._p.curator.pin(id, pinned)

    def move(self, ids: Sequence[str] = (), *, project: str, from_project: str | None = None) -> MoveResult:
        return self._p.curator.move(ids, project=project, from_project=from_project)

    def link(self, a: str, b: str, relation: str = "related") -> None:
        self._p.curator.link(a, b, relation)

    def export(self, *, projects: Sequence[str] = (), with_vectors: bool = False) -> builtins.list[str]:
        """The store (or ``projects``) as lines of JSON; see memd.portable."""
        from memd.portable import export_lines

        store = self._p.store
        return builtins.list(
            export_lines(store, projects=projects, with_vectors=with_vectors, model=self._p.embedder.name)
        )

    def import_lines(self, lines: Sequence[str]) -> ImportResult:
        """Add what an export holds; the whole file is checked before anything is written."""
        from memd.portable import import_rows, parse

        memories, links = parse(lines, dim=self._p.store.dim, model=self._p.embedder.name)
        return import_rows(self._p.store, memories, links, self._p.writer.embed_pending)

    def audit(
        self, id: str | None = None, *, action: str = "list", project: str | None = None
    ) -> builtins.list[MemoryRecord]:
        """Flagged memories (list), or approve / quarantine one (see memd.audit)."""
        from memd.audit import Auditor

        return Auditor(self._p.store, self._p.lookup, self._p.clock).run(action, id, project)  # type: ignore[arg-type]

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
        """Memories about code (see memd.anchors): ``stale`` ones, ``about`` a file or symbol,
        or ``confirm`` one (re-anchored to the code as it is now)."""
        return self._p.code.run(action, id=id, path=path, symbol=symbol, root=root, project=project)

    def archive_sources(self, project: str, prefix: str, keep: Iterable[str] = ()) -> int:
        return self._p.curator.archive_sources(project, prefix, keep)

    # -- lifecycle -------------------------------------------------------------------
    def flush_reinforcements(self) -> int:
        return self._p.reinforcements.flush()

    def maintain(self) -> dict[str, int]:
        return self._p.maintenance.maintain()

    def recompress(self, ids: Sequence[str] | None = None, *, chunk: int = 1024) -> int:
        return self._p.maintenance.recompress(ids, chunk=chunk)

    def consolidate(
        self,
        *,
        min_age_days: float = 1.0,
        summarizer: Summarizer | None = None,
        max_episodes: int = 5_000,
    ) -> int:
        return self._p.maintenance.consolidate(
            min_age_days=min_age_days, summarizer=summarizer, max_episodes=max_episodes
        )

    def restore(self, id: str) -> MemoryRecord:
        return self._p.maintenance.restore(id)

    def reindex(self, *, progress: Progress | None = None) -> int:
        return self._p.maintenance.reindex(progress=progress)

    def compact(self) -> None:
        self._p.store.compact()

    def close(self) -> None:
        self._p.reinforcements.flush()
        self._p.compactor.close()
