"""What the local LLM cost: one line per call in ``<home>/llm-ledger.jsonl`` (use, model,
device, tokens in and out, seconds, outcome), summed by ``memd stats --llm``.

A file beside the store rather than rows in it: the ledger is written by whichever process
ran the model (the daemon, or a command without one), appended with O_APPEND so lines from
two processes never interleave, and it never holds memory text — only counts.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

LEDGER_FILE = "llm-ledger.jsonl"


class Ledger:
    def __init__(self, home: Path) -> None:
        self.path = Path(home) / LEDGER_FILE
        self._lock = threading.Lock()

    def record(
        self,
        use: str,
        *,
        model: str,
        device: str,
        tokens_in: int,
        tokens_out: int,
        seconds: float,
        outcome: str = "ok",
    ) -> None:
        line = {
            "at": round(time.time(), 3),
            "use": use,
            "model": model,
            "device": device,
            "tokens_in": int(tokens_in),
            "tokens_out": int(tokens_out),
            "seconds": round(float(seconds), 4),
            "outcome": outcome,
        }
        data = (json.dumps(line) + "\n").encode("utf-8")
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)

    def entries(self, since: float | None = None) -> Iterator[dict[str, Any]]:
        try:
            with open(self.path, encoding="utf-8") as fh:
                for raw in fh:
                    try:
                        entry = json.loads(raw)
                    except ValueError:  # a torn last line after a crash: skipped
                        continue
                    if since is None or entry.get("at", 0) >= since:
                        yield entry
        except FileNotFoundError:
            return

    def summary(self, since: float | None = None) -> dict[str, Any]:
        """Totals by use: calls, tokens in/out, seconds, and calls skipped or failed."""
        by_use: dict[str, dict[str, Any]] = {}
        for e in self.entries(since):
            row = by_use.setdefault(
                e.get("use", "?"),
                {"calls": 0, "tokens_in": 0, "tokens_out": 0, "seconds": 0.0, "skipped": 0, "failed": 0},
            )
            outcome = e.get("outcome", "ok")
            if outcome == "ok":
                row["calls"] += 1
                row["tokens_in"] += e.get("tokens_in", 0)
                row["tokens_out"] += e.get("tokens_out", 0)
                row["seconds"] += e.get("seconds", 0.0)
            elif outcome.startswith("skipped"):
                row["skipped"] += 1
            else:
                row["failed"] += 1
        for row in by_use.values():
            row["seconds"] = round(row["seconds"], 2)
        return by_use
