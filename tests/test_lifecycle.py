"""Forgetting, reinforcement, tiers and the journal, with a clock the tests move."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from memd.daemon.journal import Journal
from memd.lifecycle import Policy, initial_stability, reinforced, retention, tier_for
from memd.records import Kind, Tier


def test_retention_is_ebbinghaus(clock):
    now = clock.now()
    assert retention(now, now, 10, False) == 1.0
    assert retention(now, now - timedelta(days=10), 10, False) == pytest.approx(math.exp(-1))
    assert retention(now, now - timedelta(days=1000), 10, True) == 1.0  # pinned never fades


def test_spacing_effect():
    p = Policy()
    assert reinforced(10, 0.1, p) > reinforced(10, 0.9, p) > 10
    assert reinforced(10, 0.5, p, strength=2.0) > reinforced(10, 0.5, p)


def test_kinds_and_importance_set_the_starting_stability():
    assert initial_stability(Kind.DECISION, 0.5) > initial_stability(Kind.EPISODIC, 0.5)
    assert initial_stability(Kind.EPISODIC, 1.0) > initial_stability(Kind.EPISODIC, 0.0)


def test_tiers_follow_retention():
    p = Policy()
    assert tier_for(0.9, False, 100, p) is Tier.ACTIVE
    assert tier_for(0.3, False, 100, p) is Tier.WARM
    assert tier_for(0.1, False, 100, p) is Tier.COLD
    assert tier_for(0.001, False, 100, p) is Tier.ARCHIVED
    assert tier_for(0.001, False, 5, p) is Tier.COLD  # too young to archive
    assert tier_for(0.0, True, 100, p) is Tier.ACTIVE


def test_recall_reinforces_and_stability_grows(mem, clock):
    r = mem.remember("the staging database is db-stg-2", kind="semantic")
    clock.advance(days=20)
    assert mem.recall("staging database")[0].id == r.id
    mem.flush_reinforcements()
    after = mem.get(r.id)
    assert after.recall_count == 1 and after.last_recalled_at == clock.now()
    assert after.stability > r.stability


def test_saying_it_again_confirms(mem, clock):
    r = mem.remember("deploys happen on tuesdays", kind="semantic")
    clock.advance(days=5)
    mem.remember("Deploys happen on Tuesdays", kind="semantic")
    mem.flush_reinforcements()
    assert mem.get(r.id).stability > r.stability


def test_fresh_memories_outrank_faded_equals(mem, clock):
    old = mem.remember("cache ttl is 60 seconds for the api", kind="episodic")
    clock.advance(days=30)
    new = mem.remember("cache ttl is 60 seconds for the web", kind="episodic")
    hits = mem.recall("cache ttl is 60 seconds")
    assert [h.id for h in hits[:2]] == [new.id, old.id]


def test_maintain_moves_tiers_and_restore_brings_back(mem, clock):
    ep = mem.remember("we paired on the flaky test today", kind="episodic")
    rule = mem.remember("never commit secrets", kind="preference")
    pinned = mem.remember("the on-call phone is in the drawer", kind="episodic", pinned=True)
    clock.advance(days=3)
    assert mem.maintain() == {"active->warm": 1, "vectors re-encoded": 1}
    clock.advance(days=200)
    moves = mem.maintain()
    assert mem.get(ep.id).tier is Tier.ARCHIVED and mem.get(pinned.id).tier is Tier.ACTIVE
    assert mem.get(rule.id).tier in (Tier.COLD, Tier.ARCHIVED) and sum(moves.values()) >= 2
    assert ep.id not in [h.id for h in mem.recall("flaky test paired")]
    assert mem.get(ep.id).text == ep.text  # archived, not deleted
    back = mem.restore(ep.id)
    assert back.tier is Tier.ACTIVE
    assert ep.id in [h.id for h in mem.recall("flaky test paired")]


def _formats(mem) -> dict[str, str]:
    from memd.embedding import quantize

    t = mem.store.vector_columns()
    return {
        i: quantize.FLOAT32 if v is not None else quantize.format_of(q, mem.store.dim)
        for i, v, q in zip(
            t.column("id").to_pylist(),
            t.column("vector").to_pylist(),
            t.column("qvec").to_pylist(),
            strict=True,
        )
    }


def test_tiers_compress_vectors_and_moving_up_is_exact(mem, clock):
    from memd.embedding import quantize

    fading = mem.remember("the staging cluster runs on spot instances", kind="episodic")
    pinned = mem.remember("the prod database is never restarted on fridays", pinned=True)
    original = mem.embedder.embed([fading.text])[0]
    clock.advance(days=3)
    mem.maintain()
    assert mem.get(fading.id).tier is Tier.WARM
    assert _formats(mem) == {fading.id: quantize.INT8, pinned.id: quantize.FLOAT32}
    # Still found by meaning: the index holds the inflated int8 vector.
    assert mem.recall("spot instances staging cluster", k=1)[0].id == fading.id
    clock.advance(days=400)  # the recall above reinforced it: it needs longer to fade again
    mem.maintain()
    assert mem.get(fading.id).tier in (Tier.COLD, Tier.ARCHIVED)
    assert _formats(mem)[fading.id] == quantize.BINARY
    record = mem.get(fading.id)
    assert record.text == fading.text and record.tags == fading.tags  # text and metadata untouched
    mem.restore(fading.id)
    assert _formats(mem)[fading.id] == quantize.FLOAT32
    t = mem.store.vector_columns([fading.id])
    assert np.allclose(np.array(t.column("vector").to_pylist()[0]), original, atol=1e-6)
    # A fresh process sees the same formats (compressed vectors survive a reload).
    assert mem.recall("spot instances staging cluster", k=1)[0].id == fading.id


def test_quantize_round_trip():
    from memd.embedding import quantize

    rng = np.random.default_rng(1)
    v = rng.normal(size=384).astype(np.float32)
    v /= np.linalg.norm(v)
    warm = quantize.decode(quantize.encode(v, quantize.INT8), 384)
    cold = quantize.decode(quantize.encode(v, quantize.BINARY), 384)
    assert float(warm @ v) > 0.999
    assert 0.7 < float(cold @ v) < 0.9  # sign bits keep ~0.8 of a random vector's direction
    assert len(quantize.encode(v, quantize.INT8)) == 388 and len(quantize.encode(v, quantize.BINARY)) == 48


def test_superseded_memory_gets_valid_to(mem, clock):
    old = mem.remember("node 18 in CI", kind="semantic")
    clock.advance(days=1)
    mem.remember("node 20 in CI", supersedes=old.id)
    assert mem.get(old.id).valid_to == clock.now()
    assert mem.get(old.id).recorded_at < clock.now()


def test_journal_round_trips_every_column(mem, tmp_path: Path):
    rows = mem.prepare_many(
        [
            {
                "text": "journal me",
                "tags": ["a"],
                "created_at": "2024-01-02",
                "source_id": "x#y",
                "importance": 0.7,
            }
        ]
    )
    journal = Journal(tmp_path / "j.jsonl")
    journal.append(rows)
    back = journal.pending()
    assert back == [{k: v for k, v in rows[0].items() if k != "vector"}]
    assert mem.write_prepared(back) == [rows[0]["id"]]
    assert mem.write_prepared(back) == [rows[0]["id"]]  # replaying twice stores once
    assert mem.get(rows[0]["id"]).source_id == "x#y"
    journal.checkpoint()
    assert journal.pending() == []


@pytest.mark.parametrize(
    ("old", "new", "same"),
    [
        ("Tests run with pytest -x", "Tests run with pytest -n auto", True),
        ("The staging database host is db-17.internal", "The staging database host is db-42.internal", True),
        ("The API service listens on port 8080", "The API service listens on port 9090", True),
        ("The web team uses Node 18 in CI", "The web team uses Node 20 in CI", True),
        ("We use Postgres for orders", "We use Postgres for billing", False),
        ("Service 3 is on port 8003", "Service 4 is on port 8004", False),
        ("Tests run with pytest -x", "Tests run with pytest -x", False),
        ("Deploy with make", "Deploy with make deploy ENV=staging and then check", False),
        (
            "The database host for billing is db-27.internal",
            "The database host for search is db-59.internal",
            False,
        ),
        (
            "The database host for billing is db-27.internal",
            "The database host for billing is db-31.internal",
            True,
        ),
        (
            "The database host for billing is db-27.internal",
            "The database host for billing-eu is db-27.internal",
            False,
        ),
        ("The payments worker retries jobs 3 times", "The invoices worker retries jobs 3 times", False),
        ("Integration tests run with pytest -x", "Integration tests run with pytest --maxfail=1", True),
    ],
)
def test_same_subject_new_value(old, new, same):
    from memd.lifecycle import same_subject_new_value

    assert same_subject_new_value(old, new) is same


def test_update_finds_its_subject_among_others_with_the_same_value(mem):
    """BM25 on the new text also matches other subjects holding the new value; the
    old version of this subject must still be the one replaced."""
    areas = [
        "billing",
        "search",
        "checkout",
        "auth",
        "admin",
        "reports",
        "mobile",
        "cart",
        "emails",
        "uploads",
    ]
    for area in areas:
        for suite in ("unit", "smoke", "contract"):
            mem.remember(
                f"The {area} {suite} tests run with pytest --maxfail=1", kind="semantic", project="p"
            )
    old = mem.remember("The inventory unit tests run with pytest -x", kind="semantic", project="p")
    new = mem.remember("The inventory unit tests run with pytest --maxfail=1", kind="semantic", project="p")
    assert mem.get(old.id).superseded_by == new.id
    assert mem.recall("inventory unit tests run with pytest", project="p", k=1)[0].id == new.id


def test_a_new_value_supersedes_automatically(mem, clock):
    old = mem.remember("The payments service listens on port 8080", kind="semantic")
    other = mem.remember("The orders service listens on port 8081", kind="semantic")
    clock.advance(days=1)
    new = mem.remember("The payments service listens on port 9090", kind="semantic")
    assert mem.get(old.id).superseded_by == new.id and mem.get(old.id).valid_to == clock.now()
    assert mem.get(other.id).superseded_by is None
    assert [h.id for h in mem.recall("payments service port")][:1] == [new.id]
    ep = mem.remember("Today the payments service listened on port 7070", kind="episodic")
    assert mem.get(new.id).superseded_by is None and ep.superseded_by is None
