"""The local LLM in its own process (memd.inference.process, memd.inference.worker).

A scripted worker (tests/fake_llm_worker.py) speaks the real protocol and crashes on demand:
a segfault, a hang, an exit mid-answer, out of memory. The caller must get a clear error, the
calling process must go on, and the next call must be answered by a restarted worker. No
test here loads llama.cpp in this process.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest
from llama_support import require_llama_cpp

from memd.errors import LLMDisabledError, LLMWorkerError, ModelError
from memd.inference.ledger import Ledger
from memd.inference.process import WorkerLLM, describe_exit
from memd.inference.runtime import LlmRuntime, Offered

FAKE = [sys.executable, str(Path(__file__).with_name("fake_llm_worker.py"))]


@pytest.fixture
def model(tmp_path: Path) -> Path:
    path = tmp_path / "scripted.gguf"
    path.write_bytes(b"not a real model: the scripted worker never reads it")
    return path


def worker(model: Path, **kw: object) -> WorkerLLM:
    return WorkerLLM(model, command=FAKE, **kw)  # type: ignore[arg-type]


def test_answers_through_the_worker_and_keeps_it_warm(model: Path) -> None:
    llm = worker(model)
    try:
        assert llm.complete("sys", "[1] (1 May 2026) Deploys go out on Fridays", max_tokens=8) == (
            "Deploys go out on Fridays [1]"
        )
        pid = llm.pid
        assert pid is not None and pid != os.getpid()
        assert llm.count_tokens("four") == 2
        assert llm.pid == pid  # the same warm worker
        assert llm.last_usage == {}  # count_tokens reports no usage
        assert llm.complete_json("sys", "x", {}, max_tokens=8) == '{"statements": []}'
    finally:
        llm.close()
    assert llm.pid is None


@pytest.mark.parametrize(
    ("trigger", "words"),
    [
        ("SEGV", "SIGSEGV, a segmentation fault"),
        ("EXIT", "exited with status 3"),
        ("OOM", "ran out of memory"),
    ],
)
def test_a_crash_costs_one_answer_and_the_next_call_restarts_the_worker(
    model: Path, trigger: str, words: str
) -> None:
    llm = worker(model)
    try:
        assert llm.complete("s", "hello there", max_tokens=4)
        first = llm.pid
        with pytest.raises(LLMWorkerError) as caught:
            llm.complete("s", f"please {trigger} now", max_tokens=4)
        assert words in caught.value.message
        assert "memd doctor" in caught.value.hint
        assert llm.complete("s", "[1] (2 May 2026) The port is 8080", max_tokens=4) == "The port is 8080 [1]"
        if trigger != "OOM":  # MemoryError is answered by the same worker
            assert llm.pid != first
            assert llm.restarts == 1
    finally:
        llm.close()


def test_a_hang_is_killed_at_the_deadline(model: Path) -> None:
    llm = worker(model, timeout_s=1.5, load_timeout_s=0.5)
    try:
        llm.complete("s", "warm up", max_tokens=4)
        pid = llm.pid
        assert pid is not None
        t0 = time.monotonic()
        with pytest.raises(LLMWorkerError, match=r"did not answer within 2 s \(hung\)"):
            llm.complete("s", "HANG", max_tokens=4)
        assert time.monotonic() - t0 < 10
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # the hung worker is gone
        assert llm.complete("s", "and again", max_tokens=4) == "and again"
    finally:
        llm.close()


def test_killed_from_outside_between_calls_is_restarted(model: Path) -> None:
    llm = worker(model)
    try:
        llm.complete("s", "one", max_tokens=4)
        assert llm.pid is not None
        os.kill(llm.pid, signal.SIGSEGV)
        time.sleep(0.3)
        assert llm.complete("s", "two", max_tokens=4) == "two"
    finally:
        llm.close()


def test_repeated_crashes_switch_the_llm_off_with_one_error_kind(model: Path) -> None:
    llm = worker(model, max_crashes=3)
    try:
        for _ in range(3):
            with pytest.raises(LLMWorkerError):
                llm.complete("s", "SEGV", max_tokens=4)
        assert llm.disabled and "switched off" in llm.disabled
        t0 = time.monotonic()
        with pytest.raises(LLMDisabledError):
            llm.complete("s", "a fine question", max_tokens=4)
        assert time.monotonic() - t0 < 0.5  # no new worker, no wait
        assert llm.status()["crashes"] == 3
    finally:
        llm.close()


def test_an_answer_resets_the_count_of_crashes_in_a_row(model: Path) -> None:
    llm = worker(model, max_crashes=2)
    try:
        for _ in range(3):
            with pytest.raises(LLMWorkerError):
                llm.complete("s", "SEGV", max_tokens=4)
            assert llm.complete("s", "fine", max_tokens=4) == "fine"
        assert llm.disabled is None
    finally:
        llm.close()


def test_background_work_falls_back_when_the_worker_crashes(model: Path, tmp_path: Path) -> None:
    runtime = LlmRuntime(worker(model), Ledger(tmp_path), budget_s=600)
    try:
        offered = Offered(runtime, "distill")
        assert offered.complete_json("s", "SEGV", {}, max_tokens=8) == "{}"
        assert offered.complete("s", "EXIT", max_tokens=8) == ""
        assert offered.complete("s", "ok then", max_tokens=8) == "ok then"
        outcomes = [e["outcome"] for e in runtime.ledger.entries(0)]
        assert outcomes.count("failed") == 2
        assert runtime.status()["crashes"] == 2
    finally:
        runtime.stop()


def test_a_missing_worker_command_or_model_file_is_a_clear_error(model: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="model file not found"):
        WorkerLLM(tmp_path / "nope.gguf")
    llm = WorkerLLM(model, command=[str(tmp_path / "no-such-python")])
    with pytest.raises(LLMWorkerError, match="cannot start the LLM worker"):
        llm.complete("s", "x", max_tokens=1)


def test_the_real_worker_reports_a_broken_model_file_as_an_error(tmp_path: Path) -> None:
    """llama.cpp itself, in the worker: a file that is not GGUF fails to load. Whether the
    library raises or crashes on it, this process gets a ModelError and lives on."""
    require_llama_cpp()
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF" + os.urandom(2048))
    llm = WorkerLLM(bad, timeout_s=60)
    try:
        with pytest.raises(ModelError):
            llm.complete("s", "hello", max_tokens=4)
    finally:
        llm.close()


def test_exit_statuses_in_words() -> None:
    assert "out-of-memory killer" in describe_exit(-signal.SIGKILL)
    assert "SIGABRT" in describe_exit(-signal.SIGABRT)
    assert "status 2" in describe_exit(2)
