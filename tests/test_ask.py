"""`memd ask` and the LLM runtime: answers rest on recalled memories only and are checked
against them; the runtime keeps one queue, a per-hour budget for background work, a ledger,
and unloads an idle model. Fakes test the rules fast; the bundled GGUF model answers for real
through the CLI, the daemon and MCP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from llama_support import require_llama_cpp

from memd.ask import DONT_KNOW, ask
from memd.inference.ledger import Ledger
from memd.inference.runtime import LlmRuntime


class ScriptedLLM:
    """Replies as told; records what it was asked."""

    name = "scripted"

    def __init__(self, *replies: str, delay: float = 0.0) -> None:
        self.replies = list(replies)
        self.prompts: list[str] = []
        self.placed = "not loaded"
        self.last_usage: dict[str, int] = {}
        self.delay = delay
        self.unloads = 0

    def complete(self, system: str, user: str, *, max_tokens: int, stop: list[str] | None = None) -> str:
        self.placed = "cpu"
        self.prompts.append(user)
        time.sleep(self.delay)
        self.last_usage = {"prompt_tokens": len(user) // 4, "completion_tokens": 5}
        return self.replies.pop(0) if self.replies else "I don't know."

    def complete_json(self, system: str, user: str, schema: dict, *, max_tokens: int) -> str:
        return self.complete(system, user, max_tokens=max_tokens)

    def unload(self) -> bool:
        loaded = self.placed != "not loaded"
        self.placed = "not loaded"
        self.unloads += loaded
        return loaded


@pytest.fixture
def facts(mem):
    db = mem.remember("We moved the billing service from MySQL to Postgres 16 in March", project="p")
    ci = mem.remember("CI runs on Buildkite with 4 parallel agents", project="p")
    return db, ci


def test_a_cited_grounded_answer_is_kept_with_the_ids_it_rests_on(mem, facts):
    db, _ = facts
    llm = ScriptedLLM("Billing runs on Postgres 16 [1]")
    got = ask(mem, llm, "which database does billing use?", project="p")
    assert got.known and got.answer == "Billing runs on Postgres 16" and got.cited == [db.id]
    assert "[1]" in llm.prompts[0] and "Postgres 16" in llm.prompts[0]


def test_answers_from_imagination_become_i_dont_know(mem, facts):
    # A number the memories do not hold; words they do not hold; a citation of nothing given.
    for reply, why in (
        ("Billing runs on Postgres 15 [1]", "numbers not in the cited memories: 15"),
        ("The team prefers Oracle and Kubernetes clusters everywhere [1]", "most of its words"),
        ("Billing uses Cassandra", "no citation"),
        ("Billing runs on DynamoDB [9]", "no citation"),
        ("[1] [", "no words"),
        (
            "Billing: [16 March] Billing: [16 March] Billing: [16 March] Billing: [16 March] [1]",
            "repeats itself",
        ),
    ):
        got = ask(mem, ScriptedLLM(reply), "which database does billing use?", project="p")
        assert (got.answer, got.known, got.cited) == (DONT_KNOW, False, []), reply
        assert got.why and why in got.why, (reply, got.why)
    # A citation of nothing given is dropped; the words still rest on one memory: that one.
    moved = ask(
        mem, ScriptedLLM("Billing runs on Postgres [9]"), "which database does billing use?", project="p"
    )
    assert moved.known and moved.cited == [facts[0].id]
    said = ask(mem, ScriptedLLM("I don't know."), "when did billing move to Postgres?", project="p")
    assert said.answer == DONT_KNOW and said.why == "the model said it does not know"


def test_nothing_recalled_means_no_model_call(mem, facts):
    llm = ScriptedLLM("Tuesday [1]")
    got = ask(mem, llm, "zebra xylophone quasar", project="p")
    assert got.answer == DONT_KNOW and llm.prompts == [] and got.memories_given == 0


def test_the_prompt_holds_what_the_context_holds(mem):
    for i in range(40):
        mem.remember(f"billing note {i}: invoices are retried {i} times with backoff", project="p")
    llm = ScriptedLLM("I don't know.")
    small = ask(mem, llm, "how are invoices retried?", project="p", k=40, n_ctx=600)
    big = ask(mem, ScriptedLLM("I don't know."), "how are invoices retried?", project="p", k=40, n_ctx=8192)
    assert 0 < small.memories_given < big.memories_given
    assert len(llm.prompts[0]) // 4 <= 600


def test_the_runtime_ledgers_every_call_and_keeps_background_work_to_its_budget(tmp_path: Path):
    llm = ScriptedLLM(*["ok"] * 10, delay=0.05)
    runtime = LlmRuntime(llm, Ledger(tmp_path), budget_s=0.12, idle_unload_s=60)
    done = [runtime.offer("distill", lambda m: m.complete("s", "u" * 40, max_tokens=8)) for _ in range(3)]
    results = [f.result(timeout=10) if f else None for f in done]
    assert results[0] == "ok"
    # Past the budget, background work is skipped (and said so); a question still runs.
    while runtime.spent() < 0.12:
        assert runtime.offer("distill", lambda m: m.complete("s", "u", max_tokens=8)) is not None
        time.sleep(0.06)
    assert runtime.offer("consolidate", lambda m: m.complete("s", "u", max_tokens=8)) is None
    assert runtime.run("ask", lambda m: m.complete("s", "question", max_tokens=8)) == "ok"
    runtime.stop()
    summary = Ledger(tmp_path).summary()
    assert summary["ask"]["calls"] == 1 and summary["consolidate"]["skipped"] == 1
    assert (
        summary["distill"]["calls"] >= 2
        and summary["distill"]["tokens_out"] == 5 * summary["distill"]["calls"]
    )
    assert "u" * 40 not in (tmp_path / "llm-ledger.jsonl").read_text()  # counts only, never text


def test_a_question_goes_before_queued_background_work(tmp_path: Path):
    llm = ScriptedLLM(delay=0.2)
    runtime = LlmRuntime(llm, Ledger(tmp_path), budget_s=100, idle_unload_s=60)
    order: list[str] = []
    gate = threading.Event()
    runtime.offer("distill", lambda m: gate.wait(5) and order.append("first"))
    background = [runtime.offer("distill", lambda m, i=i: order.append(f"bg{i}")) for i in range(3)]
    asked = threading.Thread(target=lambda: runtime.run("ask", lambda m: order.append("ask")))
    asked.start()
    time.sleep(0.2)
    gate.set()
    asked.join(10)
    for f in background:
        assert f is not None
        f.result(10)
    runtime.stop()
    assert order[:2] == ["first", "ask"]


def test_an_idle_model_is_unloaded_and_loads_again(tmp_path: Path):
    llm = ScriptedLLM("a", "b")
    runtime = LlmRuntime(llm, Ledger(tmp_path), budget_s=100, idle_unload_s=1)
    assert runtime.run("ask", lambda m: m.complete("s", "u", max_tokens=4)) == "a"
    deadline = time.monotonic() + 40
    while llm.unloads == 0:
        assert time.monotonic() < deadline, "not unloaded"
        time.sleep(0.2)
    assert runtime.run("ask", lambda m: m.complete("s", "u", max_tokens=4)) == "b"
    runtime.stop()


# -- the real model ----------------------------------------------------------------------


def _memd(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    exe = str(Path(sys.executable).parent / "memd")
    full = {**os.environ, "MEMD_HOME": str(home), "MEMD_PROJECT": "p", **env}
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=300, env=full)


@pytest.mark.slow
def test_memd_ask_with_the_bundled_model_in_process_and_through_the_daemon(home: Path):
    require_llama_cpp()
    from memd.config import load_settings
    from memd.daemon import control

    assert (
        _memd(home, "remember", "We moved the billing service from MySQL to Postgres 16 in March").returncode
        == 0
    )
    here = _memd(home, "ask", "--json", "Which database does the billing service use?", MEMD_NO_DAEMON="1")
    assert here.returncode == 0, here.stderr
    answer = json.loads(here.stdout)
    # Whatever the tiny model says, what is shown either rests on the memory or is "I don't know".
    assert answer["answer"] == DONT_KNOW or (answer["known"] and len(answer["cited"]) == 1)
    assert answer["raw"] or answer["why"]
    settings = load_settings(home)
    control.start(settings)
    try:
        served = _memd(home, "ask", "--json", "Which database does the billing service use?")
        assert served.returncode == 0, served.stderr
        assert json.loads(served.stdout)["answer"] == answer["answer"]  # same model, greedy
        status = control.status(settings)
        assert status["llm"]["model"].startswith("SmolLM2")
        # the model ran in the daemon's worker process; the daemon is still there after it
        assert status["running"] and status["llm"]["worker_pid"] not in (None, status["pid"])
    finally:
        control.stop(settings)
    ledger = json.loads(_memd(home, "stats", "--llm", "--json").stdout)
    assert ledger["all_time"]["ask"]["calls"] == 2 and ledger["all_time"]["ask"]["tokens_in"] > 0
    missing = _memd(home, "ask", "x?", "--model", str(home / "nope.gguf"), MEMD_NO_DAEMON="1")
    assert missing.returncode == 1 and "nope.gguf" in missing.stderr


def test_llm_distillation_goes_through_the_runtime_and_its_budget(tmp_path: Path):
    from memd.distill.llm import LlmReader
    from memd.inference.runtime import Offered

    reply = '{"statements": [{"kind": "convention", "subject": "indentation", "value": "tabs"}]}'
    runtime = LlmRuntime(ScriptedLLM(reply), Ledger(tmp_path), budget_s=100)
    offered = Offered(runtime, "distill")
    assert offered.complete_json("s", "Always indent with tabs.", {}, max_tokens=8) == reply
    spent = LlmRuntime(ScriptedLLM(reply), Ledger(tmp_path), budget_s=0)
    assert LlmReader(Offered(spent, "distill")).read("Always indent with tabs.") == []  # zero-LLM result kept
    runtime.stop()
    spent.stop()
    summary = Ledger(tmp_path).summary()["distill"]
    assert summary["calls"] == 1 and summary["skipped"] == 1


@pytest.mark.slow
def test_the_daemon_runs_llm_distillation_on_its_one_runtime(home: Path, monkeypatch):
    require_llama_cpp()
    from memd.config import load_settings
    from memd.daemon import control

    monkeypatch.setenv("MEMD_DISTILL_LLM", "true")
    settings = load_settings(home)
    control.start(settings)
    try:
        llm = control.status(settings)["llm"]
        assert llm["model"].startswith("SmolLM2") and llm["budget_s"] == 600
    finally:
        control.stop(settings)


def test_query_expansion_through_the_runtime_never_makes_recall_wait(tmp_path: Path):
    from memd.inference.llm import QueryExpander

    llm = ScriptedLLM("the ci pipeline runs on buildkite", delay=0.3)
    runtime = LlmRuntime(llm, Ledger(tmp_path), budget_s=100)
    expander = QueryExpander(llm, runtime=runtime)
    t0 = time.perf_counter()
    assert expander.expand("where does ci run?") == ""  # searched as it is, this time
    assert time.perf_counter() - t0 < 0.2
    deadline = time.monotonic() + 10
    while expander.expand("where does ci run?") == "":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert expander.expand("where does ci run?") == "the ci pipeline runs on buildkite"
    runtime.stop()
    assert Ledger(tmp_path).summary()["expansion"]["calls"] == 1
