"""File watching inside the daemon: project docs, agent instruction files, agent transcripts
and git history.

A ``project`` watch reads a folder's Markdown, its agents' instruction files (memd.ingest.
instructions: ``.claude/``, ``.cursor/``, ``.github/`` included, and the user's own and Claude
Code's Auto Memory notes for the project) and its git log; an ``instructions`` watch, which
the session-start hook asks for by default, reads the instruction files alone.

Events are debounced and coalesced per path (a burst of saves is one ingest), the
set of pending paths is bounded (past it, a full rescan replaces the overflow),
and one bad file is logged and skipped, never stopping the rest.
"""

from __future__ import annotations

import builtins
import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from memd.errors import InvalidInputError, MemdError
from memd.ingest import instructions
from memd.ingest import sources as ingest
from memd.project import resolve_project
from memd.service import MemoryService

log = logging.getLogger("memd.watch")

STATE_FILE = "watches.json"
SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache", "dist", "build"}
MAX_PENDING = 10_000
FIRST_COMMITS = 200


class Watcher:
    def __init__(
        self,
        home: Path,
        service: MemoryService,
        *,
        debounce_s: float = 0.3,
        max_file_bytes: int = 1_000_000,
        max_text_chars: int = 16_000,
    ) -> None:
        from watchdog.observers import Observer

        self._home = home
        self._service = service
        self._debounce = debounce_s
        self._max_bytes = max_file_bytes
        self._max_chars = max_text_chars
        self._observer = Observer()
        self._lock = threading.Lock()
        self._pending: dict[str, float] = {}
        self._rescan: set[str] = set()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._handles: dict[str, Any] = {}
        self._state = self._load()
        self._thread = threading.Thread(target=self._work, name="memd-watch", daemon=True)
        self.last_error: str | None = None
        self.ingested = 0

    # -- persistence -------------------------------------------------------------------
    def _load(self) -> dict[str, Any]:
        path = self._home / STATE_FILE
        try:
            state = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            state = {}
        state.setdefault("watches", [])
        state.setdefault("git", {})
        state.setdefault("transcripts", {})
        out: dict[str, Any] = state
        return out

    def _save(self) -> None:
        path = self._home / STATE_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._state, indent=2))
        os.replace(tmp, path)

    # -- public ------------------------------------------------------------------------
    def start(self) -> None:
        for entry in self._state["watches"]:
            self._schedule(entry)
        self._observer.start()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._observer.stop()
        self._observer.join(timeout=5)
        self._thread.join(timeout=30)

    def add(self, path: str, project: str | None = None) -> dict[str, str]:
        root = Path(path).expanduser().resolve()
        if not root.exists():
            raise InvalidInputError(f"{root} does not exist", hint="Pass an existing directory or file.")
        kind = "transcripts" if ".claude/projects" in root.as_posix() else "project"
        # The watched path is the directory context; the daemon's own environment is not
        # the user's shell (the CLI passes the shell's $MEMD_PROJECT as ``project``).
        entry = {"path": str(root), "project": resolve_project(project, cwd=root, environ={}), "kind": kind}
        with self._lock:
            self._state["watches"] = [w for w in self._state["watches"] if w["path"] != entry["path"]]
            self._state["watches"].append(entry)
            self._save()
        self._schedule(entry)
        return entry

    def add_instructions(self, path: str, project: str | None = None) -> dict[str, str]:
        """Keep the agent instruction files of the project at ``path`` in memory (a folder's
        ``project`` watch already does)."""
        root = Path(path).expanduser().resolve()
        if not root.is_dir():
            raise InvalidInputError(f"{root} is not a folder", hint="Pass the project's folder.")
        with self._lock:
            for w in self._state["watches"]:
                if w["path"] == str(root):
                    # Asked again (each session start): look again, for files in folders
                    # made since, which no folder watch can have seen.
                    self._rescan.add(str(root))
                    self._wake.set()
                    return dict(w)
        entry = {
            "path": str(root),
            "project": resolve_project(project, cwd=root, environ={}),
            "kind": "instructions",
        }
        with self._lock:
            self._state["watches"].append(entry)
            self._save()
        self._schedule(entry)
        return entry

    def remove(self, path: str) -> dict[str, str]:
        root = str(Path(path).expanduser().resolve())
        with self._lock:
            before = len(self._state["watches"])
            self._state["watches"] = [w for w in self._state["watches"] if w["path"] != root]
            if len(self._state["watches"]) == before:
                raise InvalidInputError(f"{root} is not watched", hint="See `memd watch list`.")
            self._save()
        for key in [k for k in self._handles if k == root or k.startswith(root + "|")]:
            handle = self._handles.pop(key)
            if handle is not None:
                self._observer.unschedule(handle)
        return {"path": root, "removed": "yes"}

    def list(self) -> list[dict[str, str]]:
        with self._lock:
            return [dict(w) for w in self._state["watches"]]

    def paths(self) -> builtins.list[str]:
        return [w["path"] for w in self.list()]

    # -- events ------------------------------------------------------------------------
    def _schedule(self, entry: dict[str, str]) -> None:
        from watchdog.events import FileSystemEventHandler

        watcher = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: Any) -> None:
                if event.event_type in ("opened", "closed_no_write"):
                    return
                for p in (getattr(event, "src_path", None), getattr(event, "dest_path", None)):
                    if p:
                        watcher._note(os.fsdecode(p))

        root = entry["path"]
        if root in self._handles:
            return
        if entry["kind"] != "instructions":
            target = root if Path(root).is_dir() else str(Path(root).parent)
            self._handles[root] = self._observer.schedule(Handler(), target, recursive=True)
        if entry["kind"] != "transcripts" and Path(root).is_dir():
            # Each folder an instruction file may sit in, alone (not what is under it);
            # one made later is found at the next rescan (each session start asks for one).
            self._handles.setdefault(root, None)
            for folder in instructions.folders(Path(root)):
                key = f"{root}|{folder}"
                seen_already = entry["kind"] == "project" and folder.is_relative_to(root)  # recursive
                if folder.is_dir() and key not in self._handles and not seen_already:
                    self._handles[key] = self._observer.schedule(Handler(), str(folder), recursive=False)
        with self._lock:
            self._rescan.add(root)
        self._wake.set()

    def _note(self, path: str) -> None:
        with self._lock:
            if len(self._pending) >= MAX_PENDING:
                # Too many distinct paths at once: rescan the watches instead of queueing more.
                self._rescan.update(w["path"] for w in self._state["watches"] if path.startswith(w["path"]))
            else:
                self._pending[path] = time.monotonic()
        self._wake.set()

    def _work(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(timeout=1.0)
            self._wake.clear()
            while not self._stop.is_set():
                with self._lock:
                    rescans, self._rescan = self._rescan, set()
                    now = time.monotonic()
                    ready = [p for p, t in self._pending.items() if now - t >= self._debounce]
                    for p in ready:
                        del self._pending[p]
                    waiting = bool(self._pending)
                for root in rescans:
                    self._guard(root, self._scan_watch, root)
                for path in ready:
                    self._guard(path, self._on_path, path)
                if not waiting:
                    break
                time.sleep(self._debounce / 3)

    def _guard(self, what: str, fn: Any, *args: Any) -> None:
        try:
            fn(*args)
        except (MemdError, OSError, UnicodeError, ValueError) as exc:
            self.last_error = f"{what}: {exc}"
            log.warning("skipped %s: %s", what, exc)
        except Exception as exc:  # noqa: BLE001 - one bad file never stops the rest
            self.last_error = f"{what}: {type(exc).__name__}: {exc}"
            log.exception("failed on %s", what)

    def _entry_for(self, path: str) -> dict[str, str] | None:
        with self._lock:
            watches: list[dict[str, str]] = list(self._state["watches"])
        matches = [
            w
            for w in watches
            if path == w["path"]
            or (w["kind"] != "instructions" and path.startswith(w["path"].rstrip("/") + "/"))
        ]
        if matches:
            return max(matches, key=lambda w: len(w["path"]))
        # A user-wide or Auto Memory file is outside the project's folder.
        for w in watches:
            if w["kind"] != "transcripts" and instructions.label_of(Path(path), Path(w["path"])):
                return w
        return None

    # -- ingestion ---------------------------------------------------------------------
    def _scan_watch(self, root: str) -> None:
        entry = self._entry_for(root)
        if entry is None:
            return
        base = Path(root)
        files: list[Path] = []
        if base.is_file():
            files = [base]
        else:
            for dirpath, dirnames, filenames in os.walk(base):
                dirnames[:] = [
                    d
                    for d in dirnames
                    if d not in SKIP_DIRS and not d.startswith(".") or (entry["kind"] == "transcripts")
                ]
                files.extend(Path(dirpath) / f for f in filenames)
        if entry["kind"] == "transcripts":
            for f in files:
                if f.suffix == ".jsonl":
                    self._guard(str(f), self._transcript, f)
            return
        # Instruction files first, each under its own name (a missing one's sections are
        # archived); CLAUDE.local.md is git-ignored by design and read all the same.
        known = instructions.candidates(base) if base.is_dir() else []
        for found in known:
            self._guard(str(found.path), self._markdown, found.path, entry, found.label)
        if entry["kind"] == "instructions":
            return
        seen = {f.path for f in known}
        docs = [f for f in files if f.suffix.lower() in ingest.MARKDOWN_SUFFIXES and f not in seen]
        ignored = ingest.git_ignored(base, docs) if base.is_dir() else set()
        for f in docs:
            if f not in ignored:
                self._guard(str(f), self._markdown, f, entry)
        if (base / ".git").exists():
            self._guard(root, self._git, base, entry)

    def _on_path(self, path: str) -> None:
        entry = self._entry_for(path)
        if entry is None:
            return
        p = Path(path)
        if entry["kind"] == "transcripts":
            if p.suffix == ".jsonl" and p.exists():
                self._transcript(p)
            return
        label = instructions.label_of(p, Path(entry["path"]))
        if label is not None:
            self._markdown(p, entry, label)
            return
        if entry["kind"] == "instructions":
            return
        parts = p.relative_to(entry["path"]).parts if p != Path(entry["path"]) else ()
        if ".git" in parts:
            if p.name == "HEAD" or "refs" in parts:
                self._git(Path(entry["path"]), entry)
            return
        if any(part in SKIP_DIRS for part in parts) or p.suffix.lower() not in ingest.MARKDOWN_SUFFIXES:
            return
        if p.exists() and ingest.git_ignored(Path(entry["path"]), [p]):
            return
        self._markdown(p, entry)

    def _markdown(self, path: Path, entry: dict[str, str], label: str | None = None) -> None:
        """Store a file's sections as they are now: a changed section replaces its older
        version (same source id), a removed one (or the whole file, deleted) is archived."""
        root = Path(entry["path"])
        rel = label or (path.name if root.is_file() else path.relative_to(root).as_posix())
        prefix = f"{rel}#"
        if not path.exists():
            archived = self._service.archive_sources(entry["project"], prefix)
            log.info("%s deleted: archived %d sections", rel, archived)
            return
        size = path.stat().st_size
        if size > self._max_bytes:
            raise ValueError(f"{size:,} bytes is over the {self._max_bytes:,}-byte limit")
        if ingest.looks_binary(path):
            raise ValueError("binary content")
        text = path.read_text(encoding="utf-8")
        # A long section is split at paragraphs, never cut (memd.ingest.formats.pieces).
        sections = ingest.markdown_sections(text, max_chars=self._max_chars, split=True)
        items = [
            {
                "text": body,
                "project": entry["project"],
                "kind": "semantic",
                "tags": ["doc", "instructions"] if label else ["doc"],
                "source": "watch",
                "source_id": prefix + anchor,
            }
            for anchor, body in sections
        ]
        if items:
            self._service.remember_many(items)
        self._service.archive_sources(entry["project"], prefix, keep={str(i["source_id"]) for i in items})
        self.ingested += len(items)

    def _git(self, repo: Path, entry: dict[str, str]) -> None:
        key = str(repo)
        last = self._state["git"].get(key)
        commits = ingest.git_commits(repo, last, limit=FIRST_COMMITS if last is None else 1000)
        if commits:
            self._service.remember_many(
                [{k: v for k, v in c.items() if k != "sha"} | {"project": entry["project"]} for c in commits]
            )
            self.ingested += len(commits)
        head = ingest.git_head(repo)
        if head and head != last:
            with self._lock:
                self._state["git"][key] = head
                self._save()

    def _transcript(self, path: Path) -> None:
        key = str(path)
        start = int(self._state["transcripts"].get(key, 0))
        items, last = [], start
        for n, item in ingest.claude_transcript_entries(path, start):
            cwd = item.pop("cwd", None)
            item["project"] = resolve_project(None, cwd=cwd, environ={}, fallback="claude-code")
            items.append(item)
            last = n + 1
        if items:
            self._service.remember_many(items)
            self.ingested += len(items)
        if last != start:
            with self._lock:
                self._state["transcripts"][key] = last
                self._save()
