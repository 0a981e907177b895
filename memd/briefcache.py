"""Briefing snapshots: a project's session-start briefing kept as a small file in the data
directory, served only while the store is at the very version it was read from.

Why: with no daemon running, reading the briefing means importing LanceDB (about a second
on this box, more on a cold disk) inside a hook with a two-second budget. A snapshot is
read with the standard library in milliseconds. It can never serve a stale briefing: it
records the store's *fingerprint* (the names of every table's version manifests; a commit
always adds one, and a version never changes once written), and any write since makes
the fingerprint differ, so the hook reads the store itself.

Written by whoever already has the store open: the CLI after a write, and the hook after
reading the store.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from memd.store import Store

DIR_NAME = "briefings"
# What the session-start hook asks for; the snapshot is for that size only.
BRIEF_TOKENS = 1200
# A snapshot is refreshed after a CLI write only for projects up to this size (see refresh).
REFRESH_MAX_MEMORIES = 5_000


def fingerprint(store_location: str) -> str | None:
    """A digest of every table's version manifests, or None where it cannot be had (an
    object store, a store not created yet)."""
    if "://" in store_location:
        return None
    root = Path(store_location)
    digest = hashlib.sha256()
    try:
        tables = sorted(p for p in root.iterdir() if p.name.endswith(".lance"))
        if not tables:
            return None
        for table in tables:
            names = sorted(e.name for e in os.scandir(table / "_versions") if e.name.endswith(".manifest"))
            digest.update(table.name.encode() + b"\0" + "\0".join(names).encode() + b"\n")
    except OSError:
        return None
    return digest.hexdigest()


def _path(home: Path, project: str) -> Path:
    return home / DIR_NAME / (hashlib.sha256(project.encode("utf-8")).hexdigest()[:32] + ".json")


def load(home: Path, store_location: str, project: str) -> dict[str, Any] | None:
    """The snapshot of ``project``'s briefing if the store has not changed since it was
    read; None otherwise."""
    try:
        data = json.loads(_path(home, project).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("project") != project:
        return None
    current = fingerprint(store_location)
    if current is None or data.get("fingerprint") != current:
        return None
    return {"text": data.get("text", ""), "memory_ids": data.get("memory_ids", [])}


def save(home: Path, project: str, fp: str | None, brief: dict[str, Any]) -> None:
    """Keep ``brief``, read when the store's fingerprint was ``fp`` (taken *before* the
    read: a write during it leaves the snapshot already outdated, never wrongly current)."""
    if fp is None:
        return
    path = _path(home, project)
    data = {
        "project": project,
        "fingerprint": fp,
        "text": brief.get("text", ""),
        "memory_ids": list(brief.get("memory_ids", [])),
    }
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


def refresh(home: Path, store: Store, project: str) -> None:
    """Read ``project``'s briefing from ``store`` and keep it. Under the store's write
    lock, so that no memd process commits between the fingerprint and the read."""
    from memd.briefing import brief_project
    from memd.store.filters import Filter

    with store.writing():
        fp = fingerprint(store.location)
        if fp is None:
            return
        # The briefing scans every current memory of the project: 0.3-0.6 s at 20k. A CLI
        # write should not pay that; above the bound the hook reads the store itself.
        if store.count(Filter(projects=(project,), include_superseded=False)) > REFRESH_MAX_MEMORIES:
            return
        brief = brief_project(store, project, BRIEF_TOKENS)
    save(home, project, fp, brief.model_dump(mode="json"))


def after_write(api: Any, home: Path, project: str) -> None:
    """Refresh the snapshot after a command wrote to ``project`` in this process. Through a
    daemon there is nothing to do: the hook asks the daemon itself."""
    store = getattr(api, "store", None)
    if store is not None:
        refresh(home, store, project)
