"""The daemon's background queue for LLM distillation (``distill_llm = on``).

The rules read every turn as it is written (memd.distill, a fraction of a millisecond a
turn). A local model takes hundreds of milliseconds a sentence on a CPU, so it never runs
on the write path: the written turns are offered to this queue, a worker thread reads
them with the model (no lock held), then stores what validation accepted under the
store's write lock. A full queue drops the offer (logged); ``memd distill --llm`` reads
those turns later. Remember and recall never wait for it.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from memd.distill.slots import Reader
    from memd.service import MemoryService

log = logging.getLogger("memd.daemon")
QUEUE_DEPTH = 256


class LlmLearning:
    def __init__(self, service: MemoryService, reader: Reader) -> None:
        self._service = service
        self._reader = reader
        self._queue: queue.Queue[list[dict[str, Any]] | None] = queue.Queue(QUEUE_DEPTH)
        self._thread = threading.Thread(target=self._run, name="memd-llm-learning", daemon=True)
        self.done = 0
        self.dropped = 0

    def start(self) -> None:
        self._thread.start()

    def offer(self, rows: list[dict[str, Any]]) -> None:
        try:
            self._queue.put_nowait(rows)
        except queue.Full:
            self.dropped += 1
            log.warning("LLM distillation queue full: %d turns left for `memd distill --llm`", len(rows))

    def depth(self) -> int:
        return self._queue.qsize()

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            rows = self._queue.get()
            if rows is None:
                return
            try:
                self._service.learn(rows, reader=self._reader)
                self.done += len(rows)
            except Exception:  # noqa: BLE001 - the turns are stored; the worker goes on
                log.exception("LLM distillation failed for %d turns", len(rows))
