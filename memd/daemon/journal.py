"""Write-ahead journal: acknowledged memories survive a crash of the daemon.

Rows are appended and fsynced before they are written to LanceDB. At a
checkpoint (the OS has flushed LanceDB's files too) the journal is emptied; after
a crash, whatever is still in it is written again. Writing a row twice is
harmless: identical content in a project is stored once, under the same id.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from memd.store import TIME_COLUMNS


class Journal:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)

    def append(self, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        data = b"".join(
            (json.dumps({k: v for k, v in r.items() if k != "vector"}, default=_iso) + "\n").encode()
            for r in rows
        )
        os.write(self._fd, data)
        os.fsync(self._fd)

    def pending(self) -> list[dict[str, Any]]:
        rows = []
        with open(self._path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a torn last line: it was never acknowledged
                for field in TIME_COLUMNS:
                    if isinstance(row.get(field), str):
                        row[field] = datetime.fromisoformat(row[field])
                rows.append(row)
        return rows

    def replay(self, write: Callable[[list[dict[str, Any]]], Any]) -> int:
        rows = self.pending()
        if rows:
            write(rows)
            self.checkpoint()
        return len(rows)

    def checkpoint(self) -> None:
        """Flush everything written so far to disk, then forget the journaled rows."""
        os.sync()
        os.ftruncate(self._fd, 0)
        os.fsync(self._fd)

    def set_aside(self) -> Path:
        """Keep a journal that cannot be replayed beside the store, and start a fresh one."""
        kept = self._path.with_name(f"{self._path.stem}.unreplayed-{int(time.time())}.jsonl")
        os.close(self._fd)
        os.replace(self._path, kept)
        self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        return kept

    def size(self) -> int:
        return os.fstat(self._fd).st_size

    def close(self) -> None:
        os.close(self._fd)


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot journal {type(value).__name__}")
