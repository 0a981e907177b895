"""Maintenance of a shared store by one machine at a time: a lease kept in the store itself.

The lease is a meta value ``{"holder": ..., "until": epoch seconds}`` set by compare-and-set
(:meth:`memd.store.LanceStore.swap_meta`): a machine takes it when it is free, expired, or
already its own; a holder that dies simply lets it expire (``ttl``) and the next machine
takes over. Maintenance (tier moves, compaction, cleanup of old versions) runs only under it.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from dataclasses import dataclass
from typing import Any

KEY = "maintenance_lease"
TTL_S = 600.0


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class Lease:
    store: Any  # a LanceStore: meta(), swap_meta(), follow()
    holder: str
    ttl: float = TTL_S

    def current(self) -> dict[str, Any] | None:
        self.store.follow()
        raw = self.store.meta().get(KEY)
        try:
            value = json.loads(raw) if raw else None
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def acquire(self, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        self.store.follow()
        raw = self.store.meta().get(KEY)
        held = self.current()
        if held and held.get("holder") != self.holder and float(held.get("until", 0)) > now:
            return False
        mine = json.dumps({"holder": self.holder, "until": now + self.ttl})
        return bool(self.store.swap_meta(KEY, raw, mine))

    def release(self) -> bool:
        raw = self.store.meta().get(KEY)
        held = self.current()
        if not held or held.get("holder") != self.holder:
            return False
        return bool(self.store.swap_meta(KEY, raw, json.dumps({"holder": "", "until": 0})))
