"""Running a Claude Code hook: what each event does, under a deadline that never blocks.

- ``session-start``: the project's briefing, from the daemon when one answers, else read
  straight from the store's files (a scan: no model, no index, no write lock); then, when
  no daemon runs, one is started in the background for the next calls.
- ``user-prompt-submit``: the few memories most relevant to the prompt, through the daemon
  only; without a daemon the hook says nothing rather than load a model in the user's way.
- ``pre-compact`` / ``stop``: a short record of the session, handed to the daemon or, when
  none answers, appended to the spool (the next process that opens the store takes it in).

Whatever happens, a hook prints valid output or nothing and exits 0: a failure is logged
to ``hooks.log``. When the briefing cannot be had in time the agent is told so in one line
instead of starting blind without knowing it.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from memd.briefcache import BRIEF_TOKENS
from memd.daemon.wire import NoAnswer, ask
from memd.hooks.record import request_records, session_record
from memd.passage import passage
from memd.project import git_root, resolve_project

EVENTS = ("session-start", "user-prompt-submit", "pre-compact", "stop")
PROMPT_HITS = 3
PROMPT_CHARS = 4_000
# A memory longer than this (a document's section, which recall returns in place of a rule
# read from it) reaches the prompt as the lines the prompt points to: three whole sections
# would crowd the agent's context.
EXCERPT_CHARS = 1_000
# The hook's own deadline; Claude Code's (in settings.json) is longer, so the late notice
# below is printed before Claude Code would kill the hook.
DEFAULT_DEADLINE_S = 1.8

Ask = Callable[[str, dict[str, Any], float], Any]


@dataclass
class Backends:
    """What a hook reaches outside itself; tests replace any of them."""

    home: Path
    # The daemon: (method, params, timeout) -> result; raises NoAnswer.
    daemon: Ask
    # The store read directly: (project, max_tokens) -> {"text": ..., "memory_ids": [...]}.
    read_briefing: Callable[[str, int], dict[str, Any]]
    # Starts a daemon in the background when none runs; None when the user turned it off.
    start_daemon: Callable[[], Any] | None
    spool: Callable[[dict[str, Any]], None]
    notes: list[str] = field(default_factory=list)


def default_backends(home: Path | None) -> Backends:
    """The real parts. Loading the settings (pydantic) waits until a path needs them: the
    warm path, a daemon that answers, needs none."""
    from memd.home import default_home

    base = Path(home).expanduser() if home is not None else _env_home() or default_home()
    settings_box: list[Any] = []

    def settings() -> Any:
        if not settings_box:
            from memd.config import load_settings

            settings_box.append(load_settings(base))
        return settings_box[0]

    def read_briefing(project: str, max_tokens: int) -> dict[str, Any]:
        return read_briefing_from_store(settings(), project, max_tokens)

    def start_daemon() -> Any:
        if not settings().hooks_start_daemon or not settings().is_local:
            return None
        from memd.daemon import control

        return control.start_in_background(settings().home)

    def to_spool(item: dict[str, Any]) -> None:
        from memd.ingest import spool

        spool.append(base, item)

    return Backends(
        home=base,
        daemon=lambda method, params, timeout: ask(base, method, params, timeout=timeout),
        read_briefing=read_briefing,
        start_daemon=start_daemon,
        spool=to_spool,
    )


def _env_home() -> Path | None:
    env = os.environ.get("MEMD_HOME")
    return Path(env).expanduser() if env else None


def read_briefing_from_store(settings: Any, project: str, max_tokens: int) -> dict[str, Any]:
    """The briefing without a daemon: its snapshot while the store is unchanged (standard
    library, milliseconds), else the store's files opened read-only (no model, no lock),
    kept as the next snapshot."""
    from memd import briefcache

    location = settings.store_location
    if settings.is_local and not (Path(location) / "memd_meta.lance").exists():
        return {"text": "", "memory_ids": []}  # no store yet: nothing to brief
    if max_tokens == briefcache.BRIEF_TOKENS:
        kept = briefcache.load(settings.home, location, project)
        if kept is not None:
            return kept
    from memd.briefing import brief_project
    from memd.store import LanceStore

    fp = briefcache.fingerprint(location)  # before the read: see briefcache.save
    store = LanceStore(location, lock_path=None, embed_model="", dim=0, check_model=False, read_only=True)
    brief = brief_project(store, project, max_tokens).model_dump(mode="json")
    if max_tokens == briefcache.BRIEF_TOKENS:
        briefcache.save(settings.home, project, fp, brief)
    return brief


def _project(payload: dict[str, Any]) -> str:
    cwd = payload.get("cwd")
    return resolve_project(None, cwd=cwd if isinstance(cwd, str) and cwd else os.getcwd())


def _context(event_name: str, text: str) -> str:
    return json.dumps({"hookSpecificOutput": {"hookEventName": event_name, "additionalContext": text}})


def _watch_instructions(
    payload: dict[str, Any], project: str, b: Backends, remaining: Callable[[], float]
) -> None:
    """Ask the daemon to keep this project's agent instruction files current in memory
    (memd.ingest.instructions; off with ``watch_instructions = false``). Best effort: a
    briefing never waits on it or fails for it."""
    cwd = payload.get("cwd")
    if not isinstance(cwd, str) or not cwd or not Path(cwd).is_dir():
        return
    here = Path(cwd).resolve()
    try:
        b.daemon("watch_instructions", {"path": str(git_root(here) or here), "project": project}, remaining())
    except NoAnswer as exc:
        if exc.error is not None:
            b.notes.append(f"instruction files not watched: {exc.error}")


def session_start(payload: dict[str, Any], b: Backends, remaining: Callable[[], float]) -> str | None:
    project = _project(payload)
    params = {"project": project, "max_tokens": BRIEF_TOKENS}
    try:
        brief = b.daemon("context", params, remaining())
        _watch_instructions(payload, project, b, remaining)
    except NoAnswer as exc:
        if exc.error is not None:
            raise RuntimeError(f"the daemon refused the briefing: {exc.error}") from None
        b.notes.append("no daemon")
        brief = b.read_briefing(project, BRIEF_TOKENS)
    if not brief.get("memory_ids"):
        return None
    return _context("SessionStart", brief["text"])


def prompt_context(payload: dict[str, Any], b: Backends, remaining: Callable[[], float]) -> str | None:
    prompt = payload.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        return None
    params = {
        "query": prompt.strip()[:PROMPT_CHARS],
        "k": PROMPT_HITS,
        "project": _project(payload),
        "kinds": None,
        "since": None,
        "until": None,
        "include_archived": False,
    }
    try:
        hits = b.daemon("recall", params, remaining())
    except NoAnswer as exc:
        if exc.error is not None:
            raise RuntimeError(f"the daemon refused the recall: {exc.error}") from None
        return None  # no daemon: loading a model now would hold up the user's prompt
    if not hits:
        return None
    lines = ["memd: memories that may bear on this request (current versions only):"]
    for hit in hits:
        memory = hit["memory"]
        text = str(memory["text"])
        if len(text) <= EXCERPT_CHARS:
            text = " ".join(text.split())
        else:  # a document's long section: the lines the prompt points to, one under another
            text = "\n  ".join(passage(text, prompt, EXCERPT_CHARS))
        lines.append(f"- [{memory['kind']}] {text} (id {memory['id'][:8]})")
    return _context("UserPromptSubmit", "\n".join(lines))


def session_end(payload: dict[str, Any], b: Backends, remaining: Callable[[], float]) -> None:
    record = session_record(payload)
    if record is None:
        return None
    items = [record, *request_records(payload)]
    try:
        b.daemon("remember_many", {"items": items}, remaining())
    except NoAnswer as exc:
        if exc.error is not None:
            raise RuntimeError(f"the daemon refused the session record: {exc.error}") from None
        for item in items:
            b.spool(item)
    return None


def run_hook(event: str, payload: dict[str, Any], b: Backends, remaining: Callable[[], float]) -> str | None:
    """Do the hook's work; returns what to print on stdout for Claude Code, if anything."""
    if event == "session-start":
        return session_start(payload, b, remaining)
    if event == "user-prompt-submit":
        return prompt_context(payload, b, remaining)
    if event in ("pre-compact", "stop"):
        session_end(payload, b, remaining)
        return None
    raise ValueError(f"unknown hook event {event!r} (known: {', '.join(EVENTS)})")


def late_notice(event: str, why: str) -> str | None:
    """The one line an agent gets when the briefing could not be read in time."""
    if event != "session-start":
        return None
    return _context(
        "SessionStart",
        f"memd: this project's briefing could not be read in time ({why}); "
        "call the memd `context` tool to read it.",
    )


def run_safely(
    event: str,
    stdin: str,
    *,
    home: Path | None = None,
    timeout: float = DEFAULT_DEADLINE_S,
    backends: Backends | None = None,
) -> str | None:
    """:func:`run_hook` under a hard deadline; any failure is logged and swallowed.

    The work runs in a daemon thread: a deadline must hold even inside a long native call
    (LanceDB, ONNX Runtime), where a signal would wait for the call to return.
    """
    import time

    start = time.monotonic()
    b = backends or default_backends(home)
    box: dict[str, Any] = {}

    def remaining() -> float:
        return max(0.05, timeout - (time.monotonic() - start))

    def work() -> None:
        try:
            payload = json.loads(stdin or "{}")
            box["out"] = run_hook(event, payload if isinstance(payload, dict) else {}, b, remaining)
        except BaseException as exc:  # noqa: BLE001 - reported by the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=work, name=f"memd-hook-{event}", daemon=True)
    worker.start()
    worker.join(timeout)
    out: str | None
    if worker.is_alive():
        _log(b.home, event, f"TimeoutError: hook exceeded {timeout} s")
        out = late_notice(event, f"over {timeout:g} s")
    elif "error" in box:
        exc = box["error"]
        _log(b.home, event, f"{type(exc).__name__}: {exc}")
        out = late_notice(event, f"{type(exc).__name__}; see hooks.log") if event in EVENTS else None
    else:
        out = box.get("out")
    if event == "session-start" and "no daemon" in b.notes and b.start_daemon is not None:
        try:
            b.start_daemon()
        except Exception as exc:  # noqa: BLE001 - the briefing is already on its way
            _log(b.home, event, f"starting the daemon failed: {type(exc).__name__}: {exc}")
    return out


def _log(home: Path, event: str, message: str) -> None:
    try:
        from memd.home import prepare_home

        prepare_home(home)
        with open(home / "hooks.log", "a", encoding="utf-8") as log:
            log.write(f"{datetime.now(UTC).isoformat()} {event}: {message}\n")
    except Exception:  # noqa: BLE001 - logging is best effort too
        pass
