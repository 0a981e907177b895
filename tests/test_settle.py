"""A store in a bucket is written to only once it is SETTLE_S old (memd.store.conflicts):
LanceDB's creation of a table is not atomic across machines (lance-format/lance#4451), and a
creation landing after another machine's first writes wiped them in the team benchmark."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from memd.store import conflicts


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(conflicts.time, "sleep", waits.append)
    return waits


def test_a_new_store_is_written_only_once_it_has_settled(slept: list[float]):
    now = datetime.now(UTC)
    conflicts.settle((now - timedelta(seconds=1)).isoformat())
    assert slept and conflicts.SETTLE_S - 1.2 < slept[0] <= conflicts.SETTLE_S - 1


def test_an_old_store_waits_for_nothing(slept: list[float]):
    conflicts.settle((datetime.now(UTC) - timedelta(days=3)).isoformat())
    conflicts.settle(None)
    conflicts.settle("not a date")
    assert slept == []


def test_a_creator_whose_clock_runs_ahead_is_waited_for_no_longer_than_the_settle(slept: list[float]):
    conflicts.settle((datetime.now(UTC) + timedelta(hours=2)).isoformat())
    assert slept == [conflicts.SETTLE_S]
