"""Crash trials, the fast subset (benchmarks/crash.py runs 200): the daemon killed with
SIGKILL at random moments of mixed work, started again, and checked — every acknowledged
write there exactly once, nothing half-written, the in-RAM index equal to the store."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from memd.config import load_settings
from memd.daemon import JOURNAL_NAME, control
from memd.daemon.client import connect
from memd.daemon.journal import Journal

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import crash  # noqa: E402

pytestmark = pytest.mark.slow


def test_twenty_random_kills_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    report = crash.run(20, seed=7, home=tmp_path / "home", max_delay=1.5)
    # Enough acknowledged writes that a loss would show; how many a random kill lets through
    # depends on the box's speed (98 and 100+ both seen on the reference box), not on memd.
    assert report["trials"] == 20 and report["acknowledged"] >= 50
    assert report["failed"] == 0, report["failures"]


def test_a_journaled_row_already_stored_and_superseded_is_not_stored_again(home: Path) -> None:
    """Found by the trials: a crash after a batch reached the store but before the journal's
    checkpoint left the row in both; replay stored it a second time, current again."""
    settings = load_settings(home)
    control.start(settings)
    try:
        c = connect(home)
        old = c.remember("payments keeps 4 workers", project="p")
        new = c.remember("payments keeps 8 workers", project="p", supersedes=old.id)
        row = c.get(old.id).model_dump()
    finally:
        control.stop(settings)
    Journal(home / JOURNAL_NAME).append([row])  # as if the checkpoint never happened
    control.start(settings)
    try:
        c = connect(home)
        rows = [r for r in c.list(project="p", limit=None, include_archived=True) if r.id == old.id]
        assert len(rows) == 1 and rows[0].superseded_by == new.id
        assert c.call("verify")["index_ok"]
    finally:
        control.stop(settings)
