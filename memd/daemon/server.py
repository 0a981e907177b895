"""The daemon process: owns the store, serves the socket, writes in batches, maintains.

Threads: one per client connection (reads run in parallel), one writer that
group-commits every queued remember (journal + fsync, one embedding batch, one
LanceDB append), and one maintenance thread (checkpoints, compaction when idle).
"""

from __future__ import annotations

import ctypes
import fcntl
import logging
import os
import queue
import signal
import socketserver
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from memd.config import Settings
from memd.daemon import JOURNAL_NAME, LOCK_NAME, pid_path, protocol, socket_path
from memd.daemon.journal import Journal
from memd.daemon.learning import LlmLearning
from memd.daemon.team import TeamHost
from memd.daemon.transport import Handler, Server, rss_mb
from memd.errors import ConfigError, DaemonRunningError, InvalidInputError, MemdError
from memd.ingest import spool
from memd.service import MemoryService
from memd.store import conflicts

log = logging.getLogger("memd.daemon")

MAX_BATCH_ROWS = 512
QUEUE_DEPTH = 1024  # pending write requests before writers are made to wait
CHECKPOINT_EVERY_S = 2.0
IDLE_COMPACT_AFTER_S = 5.0
MAINTAIN_EVERY_S = 3600.0
CODE_CHECK_EVERY_S = 60.0  # how often the daemon checks what anchored memories describe


class WriteBatcher:
    """Group commit: every remember waiting at the same moment shares one fsync,
    one embedding batch and one LanceDB fragment."""

    def __init__(self, service: MemoryService, journal: Journal) -> None:
        self._service = service
        self._journal = journal
        self._queue: queue.Queue[tuple[list[dict[str, Any]], Future[list[str]]] | None] = queue.Queue(
            QUEUE_DEPTH
        )
        self._thread = threading.Thread(target=self._run, name="memd-writer", daemon=True)
        self.last_write = time.monotonic()
        self.journaled_since_checkpoint = False
        self.lock = threading.Lock()  # held while a batch is written, and by checkpoints
        # Called with the rows each batch stored, after the write (the LLM learning queue).
        self.listeners: list[Callable[[list[dict[str, Any]]], None]] = []

    def start(self) -> None:
        self._thread.start()

    def depth(self) -> int:
        return self._queue.qsize()

    def submit(self, rows: list[dict[str, Any]]) -> list[str]:
        future: Future[list[str]] = Future()
        self._queue.put((rows, future))  # blocks when full: back-pressure
        return future.result()

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            rows = len(first[0])
            while rows < MAX_BATCH_ROWS:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._queue.put(None)  # stop after this batch
                    break
                batch.append(nxt)
                rows += len(nxt[0])
            self._write(batch)

    def _write(self, batch: list[tuple[list[dict[str, Any]], Future[list[str]]]]) -> None:
        all_rows = [row for rows, _ in batch for row in rows]
        try:
            with self.lock:
                self._journal.append(all_rows)
                self.journaled_since_checkpoint = True
                ids = self._service.write_prepared(all_rows, embed=False)
            self.last_write = time.monotonic()
        except BaseException as exc:  # noqa: BLE001 - every waiting writer must hear of it
            log.exception("batch write failed")
            for _, future in batch:
                future.set_exception(exc)
            return
        start = 0
        for rows, future in batch:
            future.set_result(ids[start : start + len(rows)])
            start += len(rows)
        # Acknowledged (journaled, stored, keyword-searchable): now the vectors, in one batch.
        # Writers queued meanwhile are grouped into the next batch.
        try:
            with self.lock:
                # The rows just stored are at hand: those kept under their own id are new
                # (the others matched a memory that already has its vector).
                self._service.embed_rows([r for r, i in zip(all_rows, ids, strict=True) if i == r["id"]])
        except Exception:  # noqa: BLE001 - the rows are safe; the next start embeds them
            log.exception("embedding after the write failed")
        fresh = [r for r, i in zip(all_rows, ids, strict=True) if i == r["id"]]
        try:
            with self.lock:  # after the acknowledgement: learning never delays a remember
                self._service.learn(fresh)
        except Exception:  # noqa: BLE001 - the turns are stored; `memd distill` can redo this
            log.exception("distilling after the write failed")
        for listener in self.listeners:
            listener(fresh)


class Daemon:
    def __init__(self, settings: Settings, service: MemoryService, *, llm: Any = None) -> None:
        """``llm``: the process's LLM runtime (memd.inference.runtime), when LLM work is on."""
        self.settings = settings
        self.service = service
        self.home = settings.home
        self.started = time.time()
        self.last_error: str | None = None
        self.journal = Journal(self.home / JOURNAL_NAME)
        self.writer = WriteBatcher(service, self.journal)
        self._stop = threading.Event()
        self._server: socketserver.ThreadingUnixStreamServer | None = None
        # Requests served and when the last one came: memory is handed back once they pause.
        self.requests = 0
        self.last_request = time.monotonic()
        self.watcher: Any = None
        self.dashboard: Any = None  # memd.ui.serve.Dashboard once `memd ui` asked for it
        self.llm: Any = llm  # memd.inference.runtime.LlmRuntime (else made by the first `memd ask`)
        self.team: TeamHost | None = None
        if settings.team_uri:
            self.team = TeamHost(settings, service, maintain_every_s=MAINTAIN_EVERY_S)
        self.learning: LlmLearning | None = None
        if settings.distill_llm:
            from memd.distill.llm import HybridDistiller, LlmReader
            from memd.inference.runtime import Offered, build_runtime

            if self.llm is None:
                self.llm = build_runtime(settings, model=settings.distill_llm_model)
            # The reader's every question is background work of the one runtime (budgeted).
            self.learning = LlmLearning(service, HybridDistiller(LlmReader(Offered(self.llm, "distill"))))

    # -- requests --------------------------------------------------------------------
    def handle(self, method: str, params: dict[str, Any]) -> Any:
        self.requests += 1
        self.last_request = time.monotonic()
        if method in protocol.DAEMON_METHODS:
            return getattr(self, f"do_{method}")(**params)
        if method in protocol.TEAM_METHODS:
            if self.team is None:
                raise ConfigError("this daemon holds no team store", hint="Restart it with team_uri set.")
            return self.team.handle(method, params)
        if method not in protocol.API_METHODS:
            raise InvalidInputError(f"unknown method {method!r}", hint="Upgrade the client.")
        if method == "remember" and not params.get("supersedes"):
            params.pop("supersedes", None)
            ids = self.writer.submit(self.service.prepare_many([params]))
            return self.service.get(ids[0])
        if method == "remember_many":
            return self.writer.submit(self.service.prepare_many(params.get("items") or []))
        return getattr(self.service, method)(**params)

    def do_ping(self) -> dict[str, Any]:
        team = self.team.uri if self.team is not None else None
        return {"pong": True, "pid": os.getpid(), "protocol": protocol.VERSION, "team_uri": team}

    def do_status(self) -> dict[str, Any]:
        import memd

        stats = self.service.stats()
        return {
            "pid": os.getpid(),
            "version": memd.__version__,
            "uptime_s": round(time.time() - self.started, 1),
            "memories": stats.total,
            "queue_depth": self.writer.depth(),
            "journal_bytes": self.journal.size(),
            "watched": self.watcher.paths() if self.watcher is not None else [],
            "last_error": self.last_error or (self.watcher.last_error if self.watcher else None),
            "rss_mb": rss_mb(),
            "model": stats.embed_model,
            "device": stats.device,
            "home": str(self.home),
            "socket": str(socket_path(self.home)),
            "team_uri": self.team.uri if self.team is not None else None,
            "conflicts_retried": conflicts.retried,  # commits another writer beat (memd.store.conflicts)
            "llm": self.llm.status() if self.llm is not None else None,
        }

    def do_ask(self, question: str, project: Any = None, k: int = 8) -> dict[str, Any]:
        """`memd ask` with the model kept warm here (memd.ask, memd.inference.runtime)."""
        from memd.ask import ask_with

        if self.llm is None:
            from memd.inference.runtime import build_runtime

            self.llm = build_runtime(self.settings)
        return ask_with(self.llm, self.service, question, project=project, k=k).model_dump(mode="json")

    def do_ui(self, port: int | None = None) -> dict[str, Any]:
        """Serve the dashboard (memd.ui) from this process; the same address while it runs."""
        if self.dashboard is None:
            from memd.ui.serve import start_in_thread

            self.dashboard = start_in_thread(self.service, self.do_status, port)
        return {"url": self.dashboard.url}

    def do_shutdown(self) -> dict[str, bool]:
        threading.Thread(target=self.stop, daemon=True).start()
        return {"stopping": True}

    def _replay_rows(self, rows: list[dict[str, Any]]) -> Any:
        """Write what the journal holds, except rows the store already has by id: a crash
        after a batch reached the store but before the journal's checkpoint leaves them in
        both, and one may have been superseded or archived since (crash trials found it
        stored a second time, current again)."""
        ids = [r["id"] for r in rows]
        have = {
            r["id"]
            for start in range(0, len(ids), 500)
            for r in self.service.store.get(ids[start : start + 500], ["id"])
        }
        fresh = [r for r in rows if r["id"] not in have]
        return self.service.write_prepared(fresh) if fresh else []

    def do_verify(self) -> dict[str, Any]:
        """The in-RAM index against the store, read afresh; rows left without a vector.
        What crash trials (benchmarks/crash.py) and `memd doctor` ask after a restart."""
        from memd.retrieval import MemoryIndex

        with self.writer.lock:  # no write lands between the two reads
            live = self.service.index.snapshot()
            fresh = MemoryIndex(self.service.store).snapshot()
            table = self.service.store.vector_columns()
        live_ids = {str(live.ids[i]) for i in range(len(live))}
        fresh_ids = {str(fresh.ids[i]) for i in range(len(fresh))}
        flags = ("archived", "superseded", "pinned")
        differ = [
            f"{i}: {c} {live.cols[c][live.row(i)]} in RAM, {fresh.cols[c][fresh.row(i)]} stored"
            for i in sorted(live_ids & fresh_ids)
            for c in flags
            if live.cols[c][live.row(i)] != fresh.cols[c][fresh.row(i)]
        ]
        rows = table.to_pylist()
        bare = [r["id"] for r in rows if r["vector"] is None and r["qvec"] is None]
        return {
            "index_ok": live_ids == fresh_ids and not differ,
            "in_index": len(live_ids),
            "in_store": len(fresh_ids),
            "only_in_index": sorted(live_ids - fresh_ids)[:20],
            "only_in_store": sorted(fresh_ids - live_ids)[:20],
            "flags_differ": differ[:20],
            "without_vector": len(bare),
        }

    def do_watch_add(self, path: str, project: str | None = None) -> dict[str, str]:
        if self.watcher is None:
            raise MemdError("file watching is not available in this daemon")
        added: dict[str, str] = self.watcher.add(path, project)
        return added

    def do_watch_instructions(self, path: str, project: str | None = None) -> dict[str, str]:
        """Keep the agent instruction files of the project at ``path`` current in memory
        (memd.ingest.instructions); asked by the session-start hook, idempotent."""
        if not self.settings.watch_instructions:
            return {"path": path, "skipped": "watch_instructions is off"}
        if self.watcher is None:
            raise MemdError("file watching is not available in this daemon")
        added: dict[str, str] = self.watcher.add_instructions(path, project)
        return added

    def do_watch_list(self) -> list[dict[str, str]]:
        return self.watcher.list() if self.watcher is not None else []

    def do_watch_remove(self, path: str) -> dict[str, str]:
        if self.watcher is None:
            raise MemdError("file watching is not available in this daemon")
        removed: dict[str, str] = self.watcher.remove(path)
        return removed

    # -- lifecycle -------------------------------------------------------------------
    def serve_forever(self) -> None:
        try:
            replayed = self.journal.replay(self._replay_rows)
            if replayed:
                log.info("replayed %d journaled memories", replayed)
            embedded = self.service.embed_pending()
            if embedded:
                log.info("embedded %d memories stored before a crash without their vector", embedded)
        except Exception as exc:  # noqa: BLE001 - serve anyway; the journal is kept for recovery
            kept = self.journal.set_aside()
            self.last_error = f"journal replay failed ({exc}); kept in {kept}"
            log.exception("journal replay failed; the journal was kept in %s", kept)
        self.writer.start()
        if self.learning is not None:
            self.learning.start()
            self.writer.listeners.append(self.learning.offer)
        maintenance = threading.Thread(target=self._maintain, name="memd-maintain", daemon=True)
        maintenance.start()
        path = socket_path(self.home)
        if path.exists():
            path.unlink()
        old_umask = os.umask(0o177)  # the socket is born 0600
        try:
            self._server = Server(str(path), Handler, daemon=self)
        finally:
            os.umask(old_umask)
        pid_path(self.home).write_text(str(os.getpid()))
        log.info("listening on %s (pid %d)", path, os.getpid())
        try:
            self._server.serve_forever(poll_interval=0.2)
        finally:
            self._shutdown()

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()

    def _shutdown(self) -> None:
        if self._server is not None:
            self._server.server_close()
        if self.watcher is not None:
            self.watcher.stop()
        self.writer.stop()
        if self.learning is not None:
            self.learning.stop()
        if self.team is not None:
            self.team.close()
        if self.dashboard is not None:
            self.dashboard.stop()
        if self.llm is not None:
            self.llm.stop()
        with self.writer.lock:
            self.journal.checkpoint()
        self.service.close()
        for p in (socket_path(self.home), pid_path(self.home)):
            p.unlink(missing_ok=True)
        log.info("stopped")

    def _take_in(self, items: list[dict[str, Any]]) -> list[str]:
        return self.writer.submit(self.service.prepare_many(items))

    def _maintain(self) -> None:
        """Checkpoint the journal often; compact when writes have paused; hand freed
        memory back when requests have paused."""
        compacted_after = 0.0
        maintained_at = anchors_at = time.monotonic()
        released_at_request = self.requests
        while not self._stop.wait(CHECKPOINT_EVERY_S):
            try:
                self.service.flush_reinforcements()
                # Hooks that found no daemon queued their records; a running daemon
                # takes them in through the same group commit as any remember.
                if spool.pending(self.home):
                    drained = spool.drain(self.home, self._take_in)
                    log.info("took in %d spooled memories", drained)
                if time.monotonic() - maintained_at > MAINTAIN_EVERY_S:
                    moves = self.service.maintain()
                    maintained_at = time.monotonic()
                    log.info("maintenance: %s", moves or "no tier changes")
                if self.team is not None:
                    self.team.tick()
                if time.monotonic() - anchors_at > CODE_CHECK_EVERY_S:
                    # Memories about code follow it between recalls: a commit that moved or
                    # deleted it is seen within this interval (a stat per anchored file
                    # while nothing changed; writes only for what did).
                    moved_on = self.service.code("stale")
                    anchors_at = time.monotonic()
                    if moved_on:
                        log.info("code anchors: %d memories' code moved on", len(moved_on))
                if self.writer.journaled_since_checkpoint:
                    with self.writer.lock:
                        self.journal.checkpoint()
                        self.writer.journaled_since_checkpoint = False
                idle = time.monotonic() - self.writer.last_write
                if idle > IDLE_COMPACT_AFTER_S and self.writer.last_write > compacted_after:
                    self.service.compact()
                    compacted_after = time.monotonic()
                    release_memory()
                    released_at_request = self.requests
                quiet = time.monotonic() - self.last_request
                if quiet > IDLE_COMPACT_AFTER_S and self.requests != released_at_request:
                    # Recalls and reinforcement writes free what they allocated into the
                    # middle of the heap too: 20 MB stayed resident after a burst at 100k.
                    release_memory()
                    released_at_request = self.requests
            except Exception as exc:  # noqa: BLE001 - keep serving; report in status
                self.last_error = f"maintenance: {exc}"
                log.exception("maintenance failed")


def release_memory() -> bool:
    """Hand freed heap back to the system (glibc only). LanceDB's writes and compaction
    free most of what they allocate, but into the middle of the heap, where malloc keeps
    it: after 1,800 remembers at 100k memories the daemon held 700 MB instead of ~450."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.malloc_trim(0))
    except (OSError, AttributeError):
        return False


def run(settings: Settings) -> None:
    """Composition root of the daemon: lock the data dir, open the store, serve."""
    import memd
    from memd.home import prepare_home

    prepare_home(settings.home)
    lock_fd = os.open(settings.home / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(lock_fd)
        raise DaemonRunningError(f"a memd daemon already serves {settings.home}") from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    runtime = None
    if settings.consolidate_llm or settings.distill_llm or settings.query_expansion != "off":
        # One LLM runtime for the daemon: distillation, consolidation, expansion and `memd ask`
        # share its model (distill_llm_model when LLM distillation is on, else ask_model).
        from memd.inference.runtime import build_runtime

        runtime = build_runtime(settings, model=settings.distill_llm_model if settings.distill_llm else None)
    service = memd.open_with(settings, lazy_model=False, llm_runtime=runtime)
    service.warm()
    daemon = Daemon(settings, service, llm=runtime)
    try:
        from memd.ingest.watch import Watcher

        daemon.watcher = Watcher(settings.home, service, max_text_chars=settings.max_text_chars)
        daemon.watcher.start()
    except ImportError:  # file watching arrives with its own module
        daemon.watcher = None

    def on_signal(signum: int, _frame: Any) -> None:
        log.info("signal %d: stopping", signum)
        threading.Thread(target=daemon.stop, daemon=True).start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        daemon.serve_forever()
    finally:
        fcntl.flock(lock_fd, fcntl.LOCK_UN)
        os.close(lock_fd)
