"""Conversations written for the tests in the voices people use with coding agents:
played into a store session by session, as `memd ingest` would."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta

# A turn is its text (said by the user) or (speaker, text).
Turn = str | tuple[str, str]


def play(mem, sessions: Sequence[tuple[int, Sequence[Turn]]], *, project: str, start: datetime) -> None:
    """Each session ``day`` days after ``start``, its turns a minute apart, source import."""
    for day, turns in sessions:
        rows = []
        for n, turn in enumerate(turns):
            who, text = ("user", turn) if isinstance(turn, str) else turn
            rows.append(
                {
                    "text": text,
                    "author": who,
                    "project": project,
                    "source": "import",
                    "created_at": start + timedelta(days=day, minutes=n),
                }
            )
        mem.remember_many(rows)


def in_force(mem, project: str) -> tuple[str, str]:
    """(the whole briefing, its part above the recent events: what it presents as current),
    without each line's "(age, id)": a random id may hold the digits a test looks for."""
    full = re.sub(r" \([^()]*, [0-9a-f]{8}\)", "", mem.context(project, max_tokens=1500).text)
    return full, full.split("## Recent events")[0]
