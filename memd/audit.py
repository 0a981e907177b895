"""Review of flagged memories (see :mod:`memd.guard`): list them, approve one (it may then
reach briefings and be learned from), or quarantine it (archived, the reason kept as a tag;
`memd restore` brings it back). Nothing is deleted."""

from __future__ import annotations

from typing import Literal

from memd.clock import Clock
from memd.errors import InvalidInputError
from memd.guard import APPROVED_TAG, FLAG_TAG, withheld
from memd.records import MemoryRecord, Tier
from memd.service.lookup import Lookup
from memd.store import Store
from memd.store.filters import Filter

QUARANTINE_TAG = "quarantined"
__all__ = ["Auditor", "AuditAction", "QUARANTINE_TAG", "withheld"]
AuditAction = Literal["list", "approve", "quarantine"]


class Auditor:
    def __init__(self, store: Store, lookup: Lookup, clock: Clock) -> None:
        self._store = store
        self._lookup = lookup
        self._clock = clock

    def run(self, action: AuditAction, id: str | None, project: str | None) -> list[MemoryRecord]:
        if action == "list":
            return self.flagged(project)
        if not id:
            raise InvalidInputError(f"'{action}' needs a memory id", hint=f"memd audit {action} ID")
        if action == "approve":
            return [self.approve(id)]
        if action == "quarantine":
            return [self.quarantine(id)]
        raise InvalidInputError(f"unknown audit action {action!r}", hint="Use list, approve or quarantine.")

    def flagged(self, project: str | None) -> list[MemoryRecord]:
        """Flagged memories awaiting review, newest first (a scan: review is rare)."""
        flt = Filter(projects=(project,) if project else (), include_superseded=True)
        rows = self._store.scan(flt, limit=None)
        return [MemoryRecord.from_row(r) for r in rows if withheld(r.get("tags"))]

    def approve(self, id: str) -> MemoryRecord:
        with self._store.writing():
            record = self._lookup.get(id)
            if FLAG_TAG not in record.tags:
                raise InvalidInputError(
                    f"memory {record.id} is not flagged", hint="`memd audit` lists those that are."
                )
            tags = [t for t in record.tags if t != QUARANTINE_TAG] + [APPROVED_TAG]
            self._store.update(record.id, {"tags": sorted(set(tags)), "updated_at": self._clock.now()})
        return self._lookup.get(record.id)

    def quarantine(self, id: str) -> MemoryRecord:
        with self._store.writing():
            record = self._lookup.get(id)
            tags = sorted({*(t for t in record.tags if t != APPROVED_TAG), FLAG_TAG, QUARANTINE_TAG})
            self._store.update(
                record.id, {"tags": tags, "tier": Tier.ARCHIVED.value, "updated_at": self._clock.now()}
            )
        return self._lookup.get(record.id)
