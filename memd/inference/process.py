"""The local LLM as seen from memd: a model kept warm in a worker process.

:class:`WorkerLLM` has the interface of :class:`memd.inference.llm.LlamaCppLLM` (``complete``,
``complete_json``, ``count_tokens``, ``unload``, ``name``, ``placed``, ``last_usage``), but
llama.cpp runs in a child process (:mod:`memd.inference.worker`). What that buys:

* A segfault, abort, out-of-memory kill or hang in native code costs one answer. The caller
  gets :class:`memd.errors.LLMWorkerError` naming what happened and ``memd doctor``; the
  daemon, its store and every other client go on.
* The worker starts again on the next call, after a back-off that doubles with each
  crash in a row (0.5 s, 1 s, 2 s, … at most 30 s) and resets after an answer.
* After ``max_crashes`` crashes in a row the LLM is switched off for this process, with one
  warning in the log: every call then fails at once with :class:`memd.errors.LLMDisabledError`
  and the callers' zero-LLM paths (recall without expansion, extractive summaries, rule
  distillation) carry on. A new process (``memd daemon restart``) tries again.
* A request with no reply within its deadline (``timeout_s``; the first, which loads the
  model, gets ``load_timeout_s`` more) is a hang: the worker is killed.

Calls are serialised (a llama.cpp context serves one request at a time), as before.
"""

from __future__ import annotations

import json
import logging
import os
import selectors
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from memd import errors
from memd.errors import LLMDisabledError, LLMWorkerError, ModelError

log = logging.getLogger(__name__)
DOCTOR = LLMWorkerError.hint


def describe_exit(returncode: int) -> str:
    """What a worker's exit status means, in words."""
    if returncode < 0:
        sig = -returncode
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        if sig == signal.SIGKILL:
            return f"was killed ({name}; the kernel's out-of-memory killer does this when memory runs out)"
        if sig == signal.SIGSEGV:
            return f"crashed ({name}, a segmentation fault in native code)"
        if sig == signal.SIGABRT:
            return f"aborted ({name})"
        return f"was stopped by {name}"
    return f"exited with status {returncode} before it answered"


class WorkerLLM:
    """A GGUF model in a worker process; see the module's docstring for the contract."""

    def __init__(
        self,
        model_path: Path,
        *,
        device: str = "auto",
        n_ctx: int = 1024,
        timeout_s: float = 120.0,
        load_timeout_s: float = 120.0,
        max_crashes: int = 3,
        command: Sequence[str] | None = None,
    ) -> None:
        self._path = Path(model_path)
        if not self._path.is_file():
            raise ModelError(
                f"LLM model file not found: {self._path}",
                hint="Fix MEMD_LLM_MODEL_PATH (llm_model_path) or ask_model, or unset them to use "
                "the bundled model.",
            )
        self.name = self._path.name
        self._device = device
        self._n_ctx = n_ctx
        self.timeout_s = timeout_s
        self.load_timeout_s = load_timeout_s
        self.max_crashes = max_crashes
        self._command = list(command) if command else [sys.executable, "-m", "memd.inference.worker"]
        self._proc: subprocess.Popen[bytes] | None = None
        self._buf = b""
        self._loaded = False
        self._lock = threading.Lock()
        self._ids = 0
        self._stderr: deque[str] = deque(maxlen=20)
        self.crashes = 0  # in a row; reset by an answer
        self.crashes_total = 0
        self.restarts = 0
        self._not_before = 0.0  # monotonic time the next start may happen (back-off)
        self.disabled: str | None = None  # why, once switched off
        self.placed = "not loaded"
        self.last_usage: dict[str, int] = {}

    @property
    def n_ctx(self) -> int:
        return self._n_ctx

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    # -- the LLM interface -----------------------------------------------------------------
    def complete(self, system: str, user: str, *, max_tokens: int, stop: list[str] | None = None) -> str:
        args = {"system": system, "user": user, "max_tokens": max_tokens, "stop": stop}
        return str(self.request("complete", **args))

    def complete_json(self, system: str, user: str, schema: dict[str, Any], *, max_tokens: int) -> str:
        args = {"system": system, "user": user, "schema": schema, "max_tokens": max_tokens}
        return str(self.request("complete_json", **args))

    def count_tokens(self, text: str) -> int:
        return int(self.request("count_tokens", text=text))

    def info(self) -> dict[str, Any]:
        """The worker's llama-cpp-python version, GPU offload and placement (loads nothing)."""
        return dict(self.request("info"))

    def unload(self) -> bool:
        """Stop the worker, freeing the model's memory; the next call starts it again."""
        with self._lock:
            was = self._proc is not None and self._proc.poll() is None
            self._stop()
            return was

    close = unload

    def status(self) -> dict[str, Any]:
        return {
            "worker_pid": self.pid,
            "crashes": self.crashes_total,
            "restarts": self.restarts,
            "disabled": self.disabled,
        }

    # -- one request -----------------------------------------------------------------------
    def request(self, op: str, **args: Any) -> Any:
        with self._lock:
            if self.disabled:
                raise LLMDisabledError(self.disabled, hint=DOCTOR)
            proc = self._ensure()
            self._ids += 1
            rid = self._ids
            deadline = self.timeout_s + (0 if self._loaded or op == "info" else self.load_timeout_s)
            try:
                assert proc.stdin is not None
                proc.stdin.write((json.dumps({"id": rid, "op": op} | args) + "\n").encode("utf-8"))
                proc.stdin.flush()
            except (BrokenPipeError, OSError):
                pass  # the worker is gone: reading says how
            reply = self._read(proc, rid, deadline, op)
            self.placed = str(reply.get("placed") or self.placed)
            self.last_usage = dict(reply.get("usage") or {})
            self._loaded = self.placed != "not loaded"
            self.crashes = 0
            if not reply.get("ok"):
                cls = getattr(errors, str(reply.get("type")), None)
                if not (isinstance(cls, type) and issubclass(cls, errors.MemdError)):
                    cls = ModelError
                raise cls(str(reply.get("message")), hint=reply.get("hint") or DOCTOR)
            return reply.get("result")

    def _read(self, proc: subprocess.Popen[bytes], rid: int, deadline: float, op: str) -> dict[str, Any]:
        assert proc.stdout is not None
        end = time.monotonic() + deadline
        fd = proc.stdout.fileno()
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while True:
                while b"\n" in self._buf:
                    line, self._buf = self._buf.split(b"\n", 1)
                    try:
                        reply = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(reply, dict) and reply.get("id") == rid:
                        return reply
                left = end - time.monotonic()
                if left <= 0:
                    self._crashed(
                        f"did not answer within {deadline:.0f} s (hung) and was killed", op, kill=True
                    )
                if not sel.select(timeout=min(left, 1.0)):
                    continue
                chunk = os.read(fd, 65536)
                if not chunk:  # the worker is gone
                    try:
                        rc = proc.wait(timeout=5)
                    except subprocess.TimeoutExpired:
                        self._crashed("closed its output without answering and was killed", op, kill=True)
                    self._crashed(describe_exit(rc), op)
                self._buf += chunk

    def _crashed(self, what: str, op: str, *, kill: bool = False) -> NoReturn:
        """Count a crash, stop the worker, and raise the error the caller gets."""
        if kill:
            self._stop(force=True)
        else:
            self._reap()
        self.crashes += 1
        self.crashes_total += 1
        self._not_before = time.monotonic() + min(30.0, 0.5 * 2 ** (self.crashes - 1))
        tail = " | ".join(list(self._stderr)[-3:])
        message = (
            f"the local LLM worker ({self.name}) {what} during '{op}'; this answer is lost, memd goes on"
        )
        if tail:
            message += f". Its last words: {tail[-300:]}"
        log.error("%s", message)
        if self.crashes >= self.max_crashes:
            self.disabled = (
                f"the local LLM ({self.name}) crashed {self.crashes} times in a row and is switched off "
                "in this process; recall, remember, briefings and rule-based learning go on without it"
            )
            log.warning("%s. %s", self.disabled, DOCTOR)
        raise LLMWorkerError(message, hint=DOCTOR + " The worker starts again on the next call.")

    # -- the process -----------------------------------------------------------------------
    def _ensure(self) -> subprocess.Popen[bytes]:
        if self._proc is not None and self._proc.poll() is None:
            return self._proc
        if self._proc is not None:  # died between calls (killed from outside)
            self._reap()
        wait = self._not_before - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        argv = [
            *self._command,
            "--model",
            str(self._path),
            "--device",
            self._device,
            "--n-ctx",
            str(self._n_ctx),
        ]
        try:
            self._proc = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                # the worker must not take the parent's signals (Ctrl-C in a terminal)
                start_new_session=True,
            )
        except OSError as exc:
            raise LLMWorkerError(f"cannot start the LLM worker {argv[0]}: {exc}", hint=DOCTOR) from exc
        if self.crashes_total:
            self.restarts += 1
        self._buf = b""
        self._loaded = False
        self.placed = "not loaded"
        threading.Thread(
            target=self._drain_stderr, args=(self._proc,), daemon=True, name="memd-llm-stderr"
        ).start()
        return self._proc

    def _drain_stderr(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stderr is not None
        for raw in proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip()
            if line:
                self._stderr.append(line)
                log.debug("llm worker: %s", line)

    def _reap(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        for stream in (proc.stdin, proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    def _stop(self, *, force: bool = False) -> None:
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            if force:
                proc.kill()
            else:
                try:
                    assert proc.stdin is not None
                    proc.stdin.close()  # the worker's loop ends on end of input
                    proc.wait(timeout=5)
                except (OSError, subprocess.TimeoutExpired):
                    proc.kill()
        self._reap()
        self._loaded = False
        self.placed = "not loaded"

    def __del__(self) -> None:  # a worker never outlives its owner for long
        try:
            if self._proc is not None and self._proc.poll() is None:
                self._proc.kill()
        except Exception:  # noqa: BLE001,S110 - interpreter shutdown
            pass


def local_llm(settings: Any, path: Path, *, n_ctx: int = 1024, **overrides: Any) -> WorkerLLM:
    """The one way memd opens a local LLM: ``path`` in a worker under ``settings``' device,
    deadline and worker command; ``overrides`` are further :class:`WorkerLLM` arguments."""
    command = shlex.split(str(getattr(settings, "llm_worker", "") or "")) or None
    options: dict[str, Any] = {"timeout_s": settings.llm_timeout_s, "command": command} | overrides
    return WorkerLLM(path, device=settings.device, n_ctx=n_ctx, **options)
