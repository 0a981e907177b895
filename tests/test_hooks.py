"""Claude Code hooks: each event's work with its outside parts replaced, then for real."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from fakes import HashEmbedder
from test_integrations import transcript

import memd
from memd.daemon.wire import NoAnswer
from memd.hooks import Backends, default_backends, run_safely
from memd.ingest import spool


def _no_daemon(method, params, timeout):
    raise NoAnswer("no daemon socket")


def backends(home: Path, **parts) -> Backends:
    """Real backends for ``home``, with any part replaced; records what was asked."""
    b = default_backends(home)
    b.daemon = parts.get("daemon", _no_daemon)
    started: list[bool] = []
    b.start_daemon = parts.get("start_daemon", lambda: started.append(True))
    if "read_briefing" in parts:
        b.read_briefing = parts["read_briefing"]
    b.started = started  # type: ignore[attr-defined]
    return b


def test_session_start_reads_the_store_without_a_daemon_or_a_model(home: Path, tmp_path: Path):
    m = memd.open(home, embedder=HashEmbedder())
    m.remember("Always run ruff before committing", project=str(tmp_path.resolve()), kind="preference")
    m.remember("Unrelated note", project="elsewhere", kind="preference")
    m.close()
    b = backends(home)
    out = run_safely("session-start", json.dumps({"cwd": str(tmp_path)}), home=home, timeout=30, backends=b)
    ctx = json.loads(out)["hookSpecificOutput"]
    assert ctx["hookEventName"] == "SessionStart" and "ruff" in ctx["additionalContext"]
    assert "Unrelated" not in ctx["additionalContext"]
    assert b.started == [True]  # no daemon answered: one is started for the next calls


def test_session_start_asks_the_daemon_first(home: Path, tmp_path: Path):
    asked = []

    def daemon(method, params, timeout):
        asked.append((method, params["project"]))
        return {"text": "# memd briefing: p\n- from the daemon", "memory_ids": ["a"]}

    def never(project, max_tokens):
        raise AssertionError("the store was read although the daemon answered")

    b = backends(home, daemon=daemon, read_briefing=never)
    out = run_safely("session-start", json.dumps({"cwd": str(tmp_path)}), home=home, timeout=5, backends=b)
    assert "from the daemon" in json.loads(out)["hookSpecificOutput"]["additionalContext"]
    project = str(tmp_path.resolve())
    # Then the daemon is asked to keep the project's instruction files current.
    assert asked == [("context", project), ("watch_instructions", project)] and b.started == []


def test_session_start_asks_to_watch_the_instruction_files_of_the_repository_root(home: Path, tmp_path: Path):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "src").mkdir()
    asked = []

    def daemon(method, params, timeout):
        asked.append((method, params))
        if method == "watch_instructions":
            raise NoAnswer("refused", {"type": "MemdError", "message": "unknown method"})
        return {"text": "# memd briefing: p\n- from the daemon", "memory_ids": ["a"]}

    b = backends(home, daemon=daemon)
    out = run_safely(
        "session-start", json.dumps({"cwd": str(repo / "src")}), home=home, timeout=5, backends=b
    )
    assert "from the daemon" in out  # an older daemon that refuses it costs nothing
    assert asked[1] == ("watch_instructions", {"path": str(repo.resolve()), "project": str(repo.resolve())})


def test_session_start_with_nothing_stored_prints_nothing(home: Path, tmp_path: Path):
    b = backends(home)
    assert run_safely("session-start", json.dumps({"cwd": str(tmp_path)}), home=home, backends=b) is None
    assert not (home / "hooks.log").exists()


def test_a_late_briefing_is_said_in_one_line(home: Path, tmp_path: Path):
    def slow(project, max_tokens):
        time.sleep(5)

    b = backends(home, read_briefing=slow)
    t0 = time.monotonic()
    out = run_safely("session-start", json.dumps({"cwd": str(tmp_path)}), home=home, timeout=0.3, backends=b)
    assert time.monotonic() - t0 < 3  # the deadline holds while the work still sleeps
    text = json.loads(out)["hookSpecificOutput"]["additionalContext"]
    assert "could not be read in time" in text and "`context`" in text and "\n" not in text
    assert "TimeoutError" in (home / "hooks.log").read_text()
    assert b.started == [True]


@pytest.mark.parametrize("stdin", ["", "{broken", "[1, 2]", '{"cwd": 5}'])
def test_hooks_never_raise_and_print_only_valid_output(home: Path, tmp_path: Path, stdin, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for event in ("session-start", "user-prompt-submit", "pre-compact", "stop", "bogus"):
        out = run_safely(event, stdin, home=home, timeout=5, backends=backends(home))
        if out is not None:  # only a session start says anything, and then valid JSON
            assert event == "session-start"
            assert json.loads(out)["hookSpecificOutput"]["hookEventName"] == "SessionStart"
    log = (home / "hooks.log").read_text()
    if stdin == "{broken":
        assert "session-start: JSONDecodeError" in log and "bogus: JSONDecodeError" in log
    else:
        assert "bogus: ValueError: unknown hook event" in log


def test_prompt_hook_adds_the_daemons_few_relevant_memories(home: Path, tmp_path: Path):
    asked = {}

    def daemon(method, params, timeout):
        asked.update(params, method=method)
        memory = {"id": "0123456789abcdef", "kind": "procedural", "text": "Run  tests with\n make test"}
        return [{"memory": memory, "score": 0.9}]

    payload = json.dumps({"cwd": str(tmp_path), "prompt": "how do I run the tests?"})
    out = run_safely("user-prompt-submit", payload, home=home, backends=backends(home, daemon=daemon))
    ctx = json.loads(out)["hookSpecificOutput"]
    assert ctx["hookEventName"] == "UserPromptSubmit"
    assert "[procedural] Run tests with make test (id 01234567)" in ctx["additionalContext"]
    assert asked["method"] == "recall" and asked["k"] == 3 and asked["project"] == str(tmp_path.resolve())
    # No daemon: nothing, at once, and no model loaded in the user's way.
    b = backends(home)
    assert run_safely("user-prompt-submit", payload, home=home, backends=b) is None
    assert b.started == []
    # Nothing related: nothing added.
    quiet = backends(home, daemon=lambda *a: [])
    assert run_safely("user-prompt-submit", payload, home=home, backends=quiet) is None


def test_stop_hook_spools_without_a_daemon_and_the_next_open_ingests(home: Path, tmp_path: Path):
    payload = json.dumps(
        {"session_id": "s1", "transcript_path": str(transcript(tmp_path)), "cwd": str(tmp_path)}
    )
    assert run_safely("stop", payload, home=home, backends=backends(home)) is None
    assert spool.pending(home)
    m = memd.open(home, embedder=HashEmbedder())
    assert not spool.pending(home)
    hits = m.recall("flaky checkout", project=str(tmp_path.resolve()))
    assert hits and "claude-code" in hits[0].memory.tags
    m.close()


def test_stop_hook_hands_the_record_to_a_daemon(home: Path, tmp_path: Path):
    sent = []
    payload = json.dumps(
        {"session_id": "s1", "transcript_path": str(transcript(tmp_path)), "cwd": str(tmp_path)}
    )
    b = backends(home, daemon=lambda method, params, timeout: sent.append((method, params)))
    assert run_safely("stop", payload, home=home, backends=b) is None
    assert [m for m, _ in sent] == ["remember_many"]
    items = sent[0][1]["items"]
    assert "flaky checkout" in items[0]["text"]  # the session's record first
    assert [i["text"] for i in items[1:]] == ["Fix the flaky checkout test", "Now add a regression test"]
    assert {i["author"] for i in items[1:]} == {"user"}
    assert not spool.pending(home)


def test_a_rule_said_in_a_session_reaches_the_next_briefing(home: Path, tmp_path: Path):
    """Stop without a daemon: the user's requests are spooled, the next open stores them,
    and the rule said in one of them is in the project's briefing."""
    path = tmp_path / "rules.jsonl"
    said = "From now on, prefix private helpers with `_` please."
    lines = [
        {"type": "user", "message": {"role": "user", "content": "Refactor the cart service"}},
        {"type": "user", "message": {"role": "user", "content": said}, "uuid": "u2"},
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    payload = json.dumps({"session_id": "s9", "transcript_path": str(path), "cwd": str(tmp_path)})
    assert run_safely("stop", payload, home=home, backends=backends(home)) is None
    m = memd.open(home, embedder=HashEmbedder())
    try:
        brief = m.context(str(tmp_path.resolve())).text
        rules = brief.split("## Conventions and rules")[1].split("##")[0]
        assert "Prefix private helpers with `_` please." in rules
    finally:
        m.close()


def test_a_long_section_reaches_the_prompt_as_the_lines_it_asks_about(home: Path, tmp_path: Path):
    filler = "\n".join(
        f"Paragraph {n}: release notes, changelog entries and version policy." for n in range(60)
    )
    text = f"Repo > Testing\n{filler}\nRun one crate's tests:\ncargo test -p acme_core\n{filler}"

    def daemon(method, params, timeout):
        return [{"memory": {"id": "0123456789abcdef", "kind": "episodic", "text": text}, "score": 0.9}]

    payload = json.dumps({"cwd": str(tmp_path), "prompt": "how do I run the tests of one crate?"})
    out = run_safely("user-prompt-submit", payload, home=home, backends=backends(home, daemon=daemon))
    ctx = json.loads(out)["hookSpecificOutput"]["additionalContext"]
    assert "- [episodic] Repo > Testing" in ctx and "cargo test -p acme_core" in ctx
    assert len(ctx) < 1_300 < len(text)
