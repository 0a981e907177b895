"""One runtime for all of memd's LLM work: one model loaded once, one queue, one worker.

Background work (distillation, consolidation, query expansion) is *offered*: it runs when
the worker is free and the hour's compute budget (``llm_budget_s``, seconds of model time
in the last hour) is not spent; otherwise it is skipped and the ledger says so — the
callers keep their zero-LLM result, so nothing waits and nothing breaks. A question asked
by a person or an agent (``memd ask``) goes first in the queue and is not held to the
budget: someone is waiting for it. The model is unloaded after ``idle_unload_s`` without
work and loads again on the next call. Every call is written to the ledger
(:mod:`memd.inference.ledger`). ``remember`` and ``recall`` never wait for any of it.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Protocol, TypeVar

from memd.errors import LLMWorkerError, MemdError
from memd.inference.ledger import Ledger

log = logging.getLogger(__name__)
T = TypeVar("T")
FOREGROUND, BACKGROUND = 0, 1
HOUR_S = 3600.0


class RuntimeLLM(Protocol):
    name: str
    placed: str
    last_usage: dict[str, int]

    def complete(self, system: str, user: str, *, max_tokens: int) -> str: ...

    def unload(self) -> bool: ...


class BudgetSpentError(MemdError):
    """Background LLM work skipped: the hour's budget is spent."""


class Metered:
    """The runtime's model as a job sees it: every call goes to the ledger under ``use``."""

    def __init__(self, llm: RuntimeLLM, ledger: Ledger, use: str, spent: Callable[[float], None]) -> None:
        self.llm = llm
        self.name = llm.name
        self._ledger = ledger
        self._use = use
        self._spent = spent

    def _metered(self, call: Callable[[], str]) -> str:
        t0 = time.perf_counter()
        try:
            text = call()
        except Exception:
            self._ledger.record(
                self._use,
                model=self.name,
                device=self.llm.placed,
                tokens_in=0,
                tokens_out=0,
                seconds=time.perf_counter() - t0,
                outcome="failed",
            )
            raise
        seconds = time.perf_counter() - t0
        usage = self.llm.last_usage or {}
        self._ledger.record(
            self._use,
            model=self.name,
            device=self.llm.placed,
            tokens_in=usage.get("prompt_tokens", 0),
            tokens_out=usage.get("completion_tokens", 0),
            seconds=seconds,
        )
        self._spent(seconds)
        return text

    def complete(self, system: str, user: str, *, max_tokens: int, stop: list[str] | None = None) -> str:
        if stop is None:  # not every model takes stop sequences (memd.inference.llm does)
            return self._metered(lambda: self.llm.complete(system, user, max_tokens=max_tokens))
        fn: Any = self.llm.complete
        return self._metered(lambda: fn(system, user, max_tokens=max_tokens, stop=stop))

    def complete_json(self, system: str, user: str, schema: dict[str, Any], *, max_tokens: int) -> str:
        fn = self.llm.complete_json  # type: ignore[attr-defined]
        return self._metered(lambda: fn(system, user, schema, max_tokens=max_tokens))

    def __getattr__(self, name: str) -> Any:  # count_tokens, n_ctx, …
        return getattr(self.llm, name)


Job = tuple[int, int, str, Callable[[Metered], Any], "Future[Any]"]


class LlmRuntime:
    def __init__(
        self,
        llm: RuntimeLLM,
        ledger: Ledger,
        *,
        budget_s: float = 600.0,
        idle_unload_s: float = 300.0,
        queue_depth: int = 256,
    ) -> None:
        self.llm = llm
        self.ledger = ledger
        self.budget_s = budget_s
        self.idle_unload_s = idle_unload_s
        self._queue: queue.PriorityQueue[Job | tuple[int, int, None, None, None]] = queue.PriorityQueue(
            queue_depth
        )
        self._seq = itertools.count()
        self._recent: deque[tuple[float, float]] = deque()  # (when, seconds) in the last hour
        now = time.time()
        for e in ledger.entries(now - HOUR_S):  # a restarted daemon keeps the hour's spending
            if e.get("outcome") == "ok" and e.get("use") != "ask":
                self._recent.append((e["at"], e.get("seconds", 0.0)))
        self._last_work = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="memd-llm", daemon=True)
        self._started = False
        self.skipped = 0

    # -- what callers use -----------------------------------------------------------------
    def offer(self, use: str, job: Callable[[Metered], T]) -> Future[T] | None:
        """Background work: None when it is not taken (queue full, or budget spent)."""
        if self.spent() >= self.budget_s:
            self._skip(use, "skipped: budget")
            return None
        future: Future[T] = Future()
        try:
            self._queue.put_nowait((BACKGROUND, next(self._seq), use, job, future))
        except queue.Full:
            self._skip(use, "skipped: queue full")
            return None
        self._ensure_started()
        return future

    def run(self, use: str, job: Callable[[Metered], T], *, timeout: float | None = 600.0) -> T:
        """Foreground work (someone waits): first in the queue, outside the budget."""
        future: Future[T] = Future()
        self._queue.put((FOREGROUND, next(self._seq), use, job, future))
        self._ensure_started()
        return future.result(timeout=timeout)

    def spent(self) -> float:
        """Model seconds of background work in the last hour."""
        cutoff = time.time() - HOUR_S
        while self._recent and self._recent[0][0] < cutoff:
            self._recent.popleft()
        return sum(s for _, s in self._recent)

    def status(self) -> dict[str, Any]:
        return {
            "model": self.llm.name,
            "placed": self.llm.placed,
            "queue": self._queue.qsize(),
            "budget_s": self.budget_s,
            "spent_last_hour_s": round(self.spent(), 2),
            "skipped": self.skipped,
        } | (self.llm.status() if hasattr(self.llm, "status") else {})

    def stop(self) -> None:
        if self._started:
            self._queue.put((2, next(self._seq), None, None, None))
            self._thread.join(timeout=30)
        self.llm.unload()

    # -- the worker -------------------------------------------------------------------------
    def _ensure_started(self) -> None:
        if not self._started:
            self._started = True
            self._thread.start()

    def _skip(self, use: str, why: str) -> None:
        self.skipped += 1
        self.ledger.record(
            use,
            model=self.llm.name,
            device=self.llm.placed,
            tokens_in=0,
            tokens_out=0,
            seconds=0,
            outcome=why,
        )

    def _note_spent(self, priority: int) -> Callable[[float], None]:
        def note(seconds: float) -> None:
            if priority == BACKGROUND:
                self._recent.append((time.time(), seconds))

        return note

    def _run(self) -> None:
        while True:
            try:
                priority, _, use, job, future = self._queue.get(timeout=min(self.idle_unload_s, 30.0))
            except queue.Empty:
                if time.monotonic() - self._last_work >= self.idle_unload_s and self.llm.unload():
                    log.info("LLM %s unloaded after %.0f s idle", self.llm.name, self.idle_unload_s)
                continue
            if job is None or future is None or use is None:
                return
            if priority == BACKGROUND and self.spent() >= self.budget_s:
                self._skip(use, "skipped: budget")
                future.set_exception(
                    BudgetSpentError(f"the LLM budget of {self.budget_s:.0f} s an hour is spent")
                )
                continue
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(job(Metered(self.llm, self.ledger, use, self._note_spent(priority))))
            except BaseException as exc:  # noqa: BLE001 - the caller hears of it
                future.set_exception(exc)
            self._last_work = time.monotonic()


def build_runtime(settings: Any, *, model: str | None = None) -> LlmRuntime:
    """The runtime for ``settings``: ``model`` ("bundled", "gemma3", a GGUF path) or
    ``ask_model``; loaded on first use, with ``ask_context`` tokens of context."""
    from memd.inference.llm import choose_model
    from memd.inference.process import local_llm

    path = choose_model(settings, model or settings.ask_model)
    llm = local_llm(settings, path, n_ctx=settings.ask_context)
    return LlmRuntime(
        llm,
        Ledger(settings.home),
        budget_s=settings.llm_budget_s,
        idle_unload_s=settings.llm_idle_unload_s,
    )


class Offered:
    """A model for code that calls one directly (LLM distillation's reader), each call made
    background work of ``runtime`` under ``use``. Past the budget (or with the queue full) a
    call answers as a model that found nothing would — "{}" or "" — so the caller keeps its
    zero-LLM result instead of failing; so does a call whose worker crashed or hung
    (memd.inference.process), or with the LLM switched off after repeated crashes."""

    def __init__(self, runtime: LlmRuntime, use: str, *, timeout_s: float = 600.0) -> None:
        self.runtime = runtime
        self.use = use
        self.name = runtime.llm.name
        self._timeout_s = timeout_s

    def _offer(self, job: Callable[[Metered], str], nothing: str) -> str:
        future = self.runtime.offer(self.use, job)
        if future is None:
            return nothing
        try:
            return future.result(timeout=self._timeout_s)
        except (BudgetSpentError, LLMWorkerError):
            return nothing

    def complete(self, system: str, user: str, *, max_tokens: int) -> str:
        return self._offer(lambda m: m.complete(system, user, max_tokens=max_tokens), "")

    def complete_json(self, system: str, user: str, schema: dict[str, Any], *, max_tokens: int) -> str:
        return self._offer(lambda m: m.complete_json(system, user, schema, max_tokens=max_tokens), "{}")
