"""memd.retrieval.newer_first: a recalled hit that changed what an older hit says comes
above it — the reordering on hand-made hits, then through a real store's recall."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from voices import play

from memd.records import ChannelScore, Hit, Kind, MemoryRecord
from memd.retrieval.newer_first import newer_first

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def hit(id: str, text: str, day: int, score: float, author: str = "dana") -> Hit:
    at = T0 + timedelta(days=day)
    record = MemoryRecord(
        id=id, text=text, kind=Kind.EPISODIC, project="p", source="import", created_at=at,
        updated_at=at, content_hash=id, author=author,
    )  # fmt: skip
    return Hit(memory=record, score=score, channels={"bm25": ChannelScore(score=score, rank=1)})


def test_the_newer_change_moves_above_the_hit_it_outdates() -> None:
    hits = [
        hit("old", "payroll jobs retry max 3 attempts, backoff from 10s", 0, 0.9),
        hit("other", "the payroll export feeds salaries", 1, 0.8),
        hit("new", "bump the payroll jobs retry to 5 attempts now", 7, 0.7),
    ]
    out = newer_first(hits)
    assert [h.id for h in out] == ["new", "old", "other"]
    assert out[0].channels["newer"].rank == 1 and out[0].score == 0.9  # explained, scores still descend


def test_an_agent_report_or_an_older_word_moves_nothing() -> None:
    hits = [
        hit("old", "payroll jobs retry max 3 attempts", 7, 0.9),
        hit("report", "bumped the payroll jobs retry to 5 attempts now", 8, 0.8, author="assistant"),
        hit("older", "bump the payroll jobs retry to 5 attempts now", 0, 0.7),
    ]
    assert [h.id for h in newer_first(hits)] == ["old", "report", "older"]


SESSIONS = [
    (0, ["heads up: the nightly export runs at 02:30 UTC, accounting imports it at 06:00."]),
    (1, ["nightly export question from accounting again: it runs at 02:30 UTC, they import at 06:00."]),
    (9, ["the backup runs longer now, so the nightly export moves to 03:15 UTC from tomorrow."]),
]


def test_recall_answers_with_the_newer_time_first(real_mem) -> None:
    play(real_mem, SESSIONS, project="acct", start=T0)
    hits = real_mem.recall("When does the nightly export run?", project="acct", k=5)
    texts = [h.memory.text for h in hits]
    new = next(i for i, t in enumerate(texts) if "03:15" in t)
    olds = [i for i, t in enumerate(texts) if "02:30" in t]
    assert olds and new < min(olds), texts
