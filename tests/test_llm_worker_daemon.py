"""A crashing LLM never takes the daemon down (issue 31).

A real daemon process, real CLI commands, and the scripted worker of tests/fake_llm_worker.py
as the daemon's LLM worker (setting ``llm_worker``): it segfaults, hangs or exits when the
question says so. Every acknowledged write must survive, each failed `memd ask` must say what
happened and name `memd doctor`, and the next `ask` must be answered.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

FAKE = f"{sys.executable} {Path(__file__).with_name('fake_llm_worker.py')}"
pytestmark = pytest.mark.slow


def _memd(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    exe = str(Path(sys.executable).parent / "memd")
    full = {**os.environ, "MEMD_HOME": str(home), "MEMD_PROJECT": "p", **env}
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=300, env=full)


@pytest.fixture
def daemon(home: Path, monkeypatch: pytest.MonkeyPatch):
    from memd.config import load_settings
    from memd.daemon import control

    model = home.parent / "scripted.gguf"
    model.write_bytes(b"read by no one")
    monkeypatch.setenv("MEMD_LLM_WORKER", FAKE)
    monkeypatch.setenv("MEMD_ASK_MODEL", str(model))
    monkeypatch.setenv("MEMD_LLM_TIMEOUT_S", "3")
    settings = load_settings(home)
    started = control.start(settings)
    try:
        yield settings, started["pid"]
    finally:
        control.stop(settings)


def _status(settings) -> dict:
    from memd.daemon import control

    return control.status(settings)


def test_segfault_hang_and_exit_of_the_worker_cost_one_answer_each(daemon, home: Path) -> None:
    settings, pid = daemon
    acknowledged = []
    for n in range(5):
        out = _memd(home, "remember", "--json", f"Service {n} listens on port {8000 + n}")
        assert out.returncode == 0, out.stderr
        acknowledged.append(json.loads(out.stdout)["id"])

    ok = _memd(home, "ask", "--json", "Which port does service 3 listen on?")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["known"]

    for trigger, words in (("SEGV", "SIGSEGV"), ("HANG", "hung"), ("EXIT", "exited with status 3")):
        bad = _memd(home, "ask", f"{trigger}: which port does service 2 use?")
        assert bad.returncode == 1
        assert words in bad.stderr and "memd doctor" in bad.stderr, bad.stderr
        status = _status(settings)
        assert status["running"] and status["pid"] == pid  # the daemon itself lived through it
        again = _memd(home, "ask", "--json", "Which port does service 1 listen on?")
        assert again.returncode == 0, again.stderr  # a restarted worker answers

    # kill -SEGV from outside, between questions: the daemon notices at the next call
    worker = _status(settings)["llm"]["worker_pid"]
    assert worker and worker != pid
    os.kill(worker, signal.SIGSEGV)
    time.sleep(0.5)
    after = _memd(home, "ask", "--json", "Which port does service 4 listen on?")
    assert after.returncode == 0, after.stderr
    llm = _status(settings)["llm"]
    assert llm["worker_pid"] not in (None, worker) and llm["crashes"] == 3 and llm["disabled"] is None

    listed = _memd(home, "list", "--json", "--limit", "50")
    assert listed.returncode == 0, listed.stderr
    assert set(acknowledged) <= {m["id"] for m in json.loads(listed.stdout)}
    assert _memd(home, "remember", "Written after the crashes").returncode == 0


def test_after_repeated_crashes_the_llm_is_off_and_memory_goes_on(daemon, home: Path) -> None:
    settings, pid = daemon
    assert _memd(home, "remember", "The staging database is Postgres 16").returncode == 0
    for _ in range(3):
        assert _memd(home, "ask", "SEGV now?").returncode == 1
    off = _memd(home, "ask", "Which database is staging on?")
    assert off.returncode == 1 and "switched off" in off.stderr
    assert _status(settings)["llm"]["disabled"]
    recall = _memd(home, "recall", "staging database")
    assert recall.returncode == 0 and "Postgres 16" in recall.stdout
    assert _memd(home, "remember", "Staging moves to Postgres 17 in May").returncode == 0
    assert _status(settings)["pid"] == pid
