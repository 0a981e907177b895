"""A durable inbox for writers that cannot wait for the store (hooks with a 2 s budget).

Appending is a few milliseconds and needs neither LanceDB nor the model; the next
process that opens the store for real moves the spooled memories in.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from memd.home import prepare_home
from memd.secrets import redact

SPOOL_FILE = "spool.jsonl"


@contextmanager
def _locked(path: Path) -> Iterator[int]:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def append(home: Path, item: Mapping[str, Any]) -> None:
    """Durably queue one memory (the same fields as ``remember``), its secrets redacted
    first: the spool is a file on disk like the store."""
    prepare_home(home)
    if isinstance(item.get("text"), str):
        item = {**item, "text": redact(item["text"])}
    line = (json.dumps(dict(item), default=str, ensure_ascii=False) + "\n").encode("utf-8")
    with _locked(home / SPOOL_FILE) as fd:
        os.write(fd, line)
        os.fsync(fd)


def pending(home: Path) -> bool:
    path = home / SPOOL_FILE
    return path.exists() and path.stat().st_size > 0


def drain(home: Path, store_many: Callable[[list[dict[str, Any]]], Any]) -> int:
    """Hand every queued memory to ``store_many``; the file is emptied only after it returns.

    A line that is not valid JSON (a torn write) is skipped, never fatal.
    """
    path = home / SPOOL_FILE
    if not pending(home):
        return 0
    with _locked(path) as fd:
        with open(path, encoding="utf-8", errors="replace") as fh:
            items = []
            for line in fh:
                try:
                    item = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(item, dict) and item.get("text"):
                    items.append(item)
        if items:
            store_many(items)
        os.ftruncate(fd, 0)
        os.fsync(fd)
    return len(items)
