"""Anchor checks applied to the store: re-point what moved, mark what changed, archive what
was deleted; list what went stale; recall by file or symbol.

What a check finds is written back only when it differs from what is stored, so a recall
over unchanged code writes nothing. A memory whose code changed keeps being recalled,
marked, and fades faster (its stability is halved once, when the change is first seen);
one whose every anchor was deleted is archived with the reason as a tag (``memd restore``
brings it back). Nothing is deleted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from memd.anchors.check import Checker
from memd.anchors.model import Anchor, dump_anchors
from memd.clock import Clock
from memd.errors import InvalidInputError
from memd.records import CodeMatch, Hit, MemoryRecord, Tier
from memd.service.lookup import Lookup
from memd.store import Store
from memd.store.filters import Filter

DELETED_TAG = "code-deleted"
STALE_TAG = "code-changed"
STALE_STABILITY = 0.5  # a memory about changed code fades twice as fast


class CodeWatch:
    def __init__(self, store: Store, lookup: Lookup, clock: Clock, checker: Checker | None = None) -> None:
        self._store = store
        self._lookup = lookup
        self._clock = clock
        self.checker = checker or Checker()

    def run(
        self,
        action: str,
        *,
        id: str | None = None,
        path: str | None = None,
        symbol: str | None = None,
        root: str | None = None,
        project: str | None = None,
    ) -> list[CodeMatch]:
        if action == "stale":
            return [CodeMatch(memory=r, why=_what_moved_on(r)) for r in self.stale(project)]
        if action == "about":
            return [
                CodeMatch(memory=r, why=why)
                for r, why in self.about(path=path, symbol=symbol, root=root, project=project)
            ]
        if action == "confirm":
            if not id:
                raise InvalidInputError("'confirm' needs a memory id", hint="memd stale --confirm ID")
            record = self.confirm(id)
            return [
                CodeMatch(memory=record, why="re-anchored: " + ", ".join(a.where for a in record.anchors))
            ]
        raise InvalidInputError(f"unknown action {action!r}", hint="Use stale, about or confirm.")

    def refresh_hits(self, hits: list[Hit]) -> list[Hit]:
        if not any(h.memory.anchors for h in hits):
            return hits
        fresh = {r.id: r for r in self.refresh([h.memory for h in hits if h.memory.anchors])}
        return [h.model_copy(update={"memory": fresh[h.id]}) if h.id in fresh else h for h in hits]

    # -- checking ---------------------------------------------------------------------

    def refresh(self, records: Sequence[MemoryRecord]) -> list[MemoryRecord]:
        """``records`` with their anchors checked now; what changed is written back, in
        one commit per set of columns (a release that shifts every line of a file re-points
        hundreds of anchors: one write each took 30 ms apiece)."""
        now = self._clock.now()
        changes: dict[str, tuple[MemoryRecord, dict[str, Any]]] = {}
        for record in records:
            if not record.anchors or record.tier is Tier.ARCHIVED:
                continue
            verdicts = [self.checker.check(a, now) for a in record.anchors]
            if any(v.changed for v in verdicts):
                changes[record.id] = (record, self._values(record, tuple(v.anchor for v in verdicts)))
        if not changes:
            return list(records)
        with self._store.writing():
            stored = self._records(list(changes))
            groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for id, (record, values) in changes.items():
                if id not in stored or stored[id].anchors != record.anchors:  # another writer was first
                    continue
                groups.setdefault(tuple(sorted(values)), []).append({"id": id, **values})
            for rows in groups.values():
                self._store.update_many(rows)
        fresh = self._records(list(changes))
        return [fresh.get(r.id, r) for r in records]

    def _records(self, ids: list[str]) -> dict[str, MemoryRecord]:
        """One read for many (a release re-points hundreds of anchors at once)."""
        return {r["id"]: MemoryRecord.from_row(r) for r in self._store.get(ids)}

    def _values(self, record: MemoryRecord, anchors: tuple[Anchor, ...]) -> dict[str, Any]:
        values: dict[str, Any] = {"anchors": dump_anchors(anchors), "updated_at": self._clock.now()}
        tags = set(record.tags)
        if any(a.state == "changed" for a in anchors) and STALE_TAG not in tags:
            tags.add(STALE_TAG)  # halved once, when the change is first seen
            values["stability"] = record.stability * STALE_STABILITY
        if all(a.state == "deleted" for a in anchors):
            tags.add(DELETED_TAG)
            values["tier"] = Tier.ARCHIVED.value
        if not any(a.stale for a in anchors):
            tags.discard(STALE_TAG)
        if tags != set(record.tags):
            values["tags"] = sorted(tags)
        return values

    def stale(self, project: str | None) -> list[MemoryRecord]:
        """Memories (current versions) whose code moved on: changed, moved or deleted now."""
        checked = self.refresh(self.anchored(project, include_archived=False))
        return [r for r in checked if any(a.state != "current" for a in r.anchors)]

    def anchored(self, project: str | None, *, include_archived: bool = True) -> list[MemoryRecord]:
        flt = Filter(
            projects=(project,) if project else (),
            include_archived=include_archived,
            include_superseded=False,
            anchored=True,
        )
        return [MemoryRecord.from_row(r) for r in self._store.scan(flt, limit=None)]

    def confirm(self, id: str) -> MemoryRecord:
        """A person says the memory still holds: anchor it to the code as it is now."""
        record = self._lookup.get(id)
        if not record.anchors:
            raise InvalidInputError(
                f"memory {record.id} names no code", hint="Add one with `memd remember --anchor`."
            )
        now = self._clock.now()
        anchors = tuple(self.checker.confirm(a, now) for a in record.anchors)
        if all(a.state == "deleted" for a in anchors):
            raise InvalidInputError(
                f"the code memory {record.id} names is gone: {anchors[0].note}",
                hint="Archive it (`memd forget ID`) or remember the new place with --anchor.",
            )
        tags = sorted(set(record.tags) - {STALE_TAG, DELETED_TAG})
        with self._store.writing():
            # update_many: LanceDB's SQL update cannot set an empty list (no tags left)
            row = {"id": record.id, "anchors": dump_anchors(anchors), "tags": tags}
            self._store.update_many([{**row, "updated_at": self._clock.now()}])
        return self._lookup.get(record.id)

    # -- recall by code ---------------------------------------------------------------

    def about(
        self,
        *,
        path: str | None = None,
        symbol: str | None = None,
        root: str | Path | None = None,
        project: str | None = None,
    ) -> list[tuple[MemoryRecord, str]]:
        """What is remembered about a file or a symbol: (memory, why) — anchored to it, or to
        code that calls it (the anchored span names the symbol), anchored first."""
        if not path and not symbol:
            raise InvalidInputError(
                "name a file or a symbol", hint="memd recall --file PATH or --symbol NAME"
            )
        root_s = str(Path(root).resolve()) if root else None
        name = symbol.rsplit(".", 1)[-1] if symbol else None
        direct: list[tuple[MemoryRecord, str]] = []
        callers: list[tuple[MemoryRecord, str]] = []
        for record in self.refresh(self.anchored(project, include_archived=False)):
            why = None
            calls = None
            for a in record.anchors:
                if root_s and a.root != root_s:
                    continue
                if path and (a.path == path or a.path.endswith("/" + path.lstrip("./"))):
                    if not symbol or _same_symbol(a.symbol, symbol):
                        why = why or f"anchored to {a.where}"
                elif symbol and not path and _same_symbol(a.symbol, symbol):
                    why = why or f"anchored to {a.where}"
                elif name and calls is None and a.state != "deleted" and self._calls(a, name):
                    calls = f"anchored to {a.where}, which uses {name}"
            if why:
                direct.append((record, why))
            elif calls:
                callers.append((record, calls))
        return direct + callers

    def _calls(self, a: Anchor, name: str) -> bool:
        view = self.checker.cache.view(Path(a.root) / a.path)
        if view is None or a.symbol and view.find(a.symbol) and view.find(a.symbol).name == name:  # type: ignore[union-attr]
            return False
        span = "\n".join(view.source.splitlines()[a.start - 1 : a.end])
        return re.search(rf"(?<![\w.]){re.escape(name)}\s*\(|\.{re.escape(name)}\s*\(", span) is not None


def _same_symbol(anchored: str | None, asked: str) -> bool:
    if not anchored:
        return False
    return anchored == asked or anchored.rsplit(".", 1)[-1] == asked or anchored.endswith("." + asked)


def _what_moved_on(record: MemoryRecord) -> str:
    return "; ".join(a.note or f"{a.where} {a.state}" for a in record.anchors if a.state != "current")
