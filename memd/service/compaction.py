"""Compaction after writes: every write adds a fragment, and every query visits each one."""

from __future__ import annotations

import logging
import threading

from memd.errors import DiskFullError
from memd.store import Store

log = logging.getLogger(__name__)


class Compactor:
    """Compacts the table in the background once enough writes piled up.

    At 200 fragments a lookup takes 40 ms instead of 5. Compaction costs 60-130 ms, so it
    runs on a worker thread and a writer never waits for it.
    """

    def __init__(self, store: Store, every: int = 32) -> None:
        self._store = store
        self._every = every
        self._since = 0
        self._thread: threading.Thread | None = None

    def after_writes(self, n: int) -> None:
        self._since += n
        if self._since < self._every:
            return
        if self._thread is not None and self._thread.is_alive():
            return
        self._since = 0
        self._thread = threading.Thread(target=self._quietly, name="memd-compact", daemon=True)
        self._thread.start()

    def _quietly(self) -> None:
        try:
            self._store.compact()
        except Exception:  # noqa: BLE001 - the next compaction retries; data is safe
            log.warning("background compaction failed", exc_info=True)

    def close(self) -> None:
        """Wait for a running compaction, then fold in what was written since."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._since:
            try:
                self._store.compact()
            except DiskFullError:  # closing must not fail: compaction is an optimisation
                log.warning("compaction skipped on close: the disk is full")
            self._since = 0
