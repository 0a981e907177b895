"""The store's small key/value facts (schema version, model, a team store's maintenance
lease): the meta half of :class:`memd.store.lance.LanceStore`, which opens ``_meta_table``
and provides ``writing`` and ``_catch_up``."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any

from memd.store.conflicts import is_conflict
from memd.store.filters import sql_str


class LanceMeta:
    _meta_table: Any
    _thread_lock: threading.RLock

    def writing(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    def _catch_up(self) -> None:
        raise NotImplementedError

    def meta(self) -> dict[str, str]:
        rows = self._meta_table.to_arrow().to_pylist()
        return {r["key"]: r["value"] for r in rows}

    def set_meta(self, values: Mapping[str, str]) -> None:
        """Store small key/value facts about the store (schema, model, job progress)."""
        self._set_meta(values)

    def _set_meta(self, values: Mapping[str, str]) -> None:
        with self.writing():
            (
                self._meta_table.merge_insert("key")
                .when_matched_update_all()
                .when_not_matched_insert_all()
                .execute([{"key": k, "value": v} for k, v in values.items()])
            )

    def swap_meta(self, key: str, expected: str | None, value: str) -> bool:
        """Set ``key`` to ``value`` if it still holds ``expected`` (None: absent), for writers
        that share no lock (a team store's maintenance lease); True if this call won."""
        with self._thread_lock:
            self._catch_up()
            if self.meta().get(key) != expected:
                return False
            merge = self._meta_table.merge_insert("key")
            merge = (
                merge.when_not_matched_insert_all()
                if expected is None
                else merge.when_matched_update_all(where=f"target.value = {sql_str(expected)}")
            )
            try:
                merge.execute([{"key": key, "value": value}])
            except (RuntimeError, OSError) as exc:
                if is_conflict(exc):
                    return False
                raise
            self._catch_up()  # two winners in one race: the value read back decides
            return self.meta().get(key) == value
