"""Lifecycle figures: knowledge updates, how well retention predicts reuse, bytes per memory.

(a) Knowledge updates: 500 facts, each restated 1-5 times in varied words with
    `remember` 6 h apart (no explicit --supersedes): as a plain remember (an episode, as
    people and agents call it) and as a fact (kind="semantic"). For each fact a natural
    question; the current version must rank first.
(b) Discriminative power: a simulated 90-day usage trace. Memories have a latent
    usefulness; useful ones get recalled now and then. At day 60, does retention
    separate the memories recalled again in days 60-90 from those never recalled?
(c) Bytes per memory on disk.

    python benchmarks/lifecycle.py --json
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import memd
from memd.clock import ManualClock
from memd.lifecycle import retention

SERVICES = [
    "payments",
    "orders",
    "search",
    "auth",
    "billing",
    "catalog",
    "shipping",
    "inventory",
    "notifications",
    "reports",
    "gateway",
    "ledger",
    "pricing",
    "profile",
    "media",
]
ENVIRONMENTS = ["staging", "production", "dev", "EU", "US", "canary"]

# One fact type per entry: how people state it (several phrasings; an update is often worded
# unlike the version it replaces), how a question about it is asked, and its values.
FACTS = [
    (
        [
            "The {s} service listens on port {v}",
            "{s} now runs on port {v}",
            "Heads up: we moved {s} to port {v}",
            "port for {s} is {v} now",
        ],
        "Which port does the {s} service listen on?",
        lambda r: str(r.randrange(3000, 9999)),
    ),
    (
        [
            "The database host for {s} is db-{v}.internal",
            "{s} talks to db-{v}.internal for its database",
            "We switched the {s} database to db-{v}.internal",
        ],
        "What is the database host for {s}?",
        lambda r: str(r.randrange(1, 99)),
    ),
    (
        [
            "{s} tests run with pytest {v}",
            "Run the {s} test suite as pytest {v}",
            "From now on the {s} tests use pytest {v}",
        ],
        "How do I run the {s} tests?",
        lambda r: r.choice(["-x", "-n auto", "-q", "--maxfail=1", "-n 4", "-k smoke"]),
    ),
    (
        [
            "The {s} team uses Node {v} in CI",
            "CI for {s} is on Node {v}",
            "We bumped {s} CI to Node {v}",
        ],
        "Which Node version does {s} CI use?",
        lambda r: r.choice(["16", "18", "20", "22", "24"]),
    ),
    (
        [
            "The {s} worker retries failed jobs {v} times",
            "{s} jobs get {v} retries before they fail",
            "Set the {s} worker to retry {v} times",
        ],
        "How many times does the {s} worker retry a failed job?",
        lambda r: str(r.randrange(1, 12)),
    ),
    (
        [
            "The {s} cache TTL is {v} seconds",
            "{s} caches entries for {v} seconds",
            "Changed the {s} cache TTL to {v}s",
        ],
        "What is the {s} cache TTL?",
        lambda r: str(r.choice([30, 60, 120, 300, 600, 900])),
    ),
]


def knowledge_updates(
    n_facts: int, seed: int, auto: bool, kind: str | None = None, source: str | None = None
) -> dict:
    """Facts stated and restated in varied words with ``remember`` (``kind=None``: a plain
    remember, as a person or an agent would call it), 6 h apart, interleaved; then a natural
    question per fact. current_first: the current version ranks first; stale_first: an
    older version does; current_in_top5. With ``source="mcp"`` they are said in a
    conversation (memd distils them): a hit counts by the value its text carries, since the
    memory that answers may be the one memd read from the turn."""
    rng = random.Random(seed)
    clock = ManualClock(datetime(2025, 1, 1, tzinfo=UTC))
    with tempfile.TemporaryDirectory() as tmp:
        mem = memd.open(Path(tmp) / "h", clock=clock, auto_supersede=auto)
        facts = []
        for i in range(n_facts):
            phrasings, question, gen = FACTS[i % len(FACTS)]
            combo = i // len(FACTS)
            env = ENVIRONMENTS[combo % len(ENVIRONMENTS)]
            subject = f"{env} {SERVICES[combo // len(ENVIRONMENTS) % len(SERVICES)]}"
            versions: list[str] = []
            values: list[str] = []
            while len(versions) < rng.randint(2, 6):  # the first value, then 1-5 updates
                value = gen(rng)
                if values and value == values[-1]:
                    continue
                values.append(value)
                versions.append(rng.choice(phrasings).format(s=subject, v=value))
            facts.append((question.format(s=subject), versions))
        # Interleave updates across facts, 6 h apart, as a project would see them.
        schedule = [(f, v) for f, (_, vs) in enumerate(facts) for v in range(len(vs))]
        rng.shuffle(schedule)
        schedule.sort(key=lambda fv: fv[1])
        ids: dict[tuple[int, int], str] = {}
        for f, v in schedule:
            clock.advance(hours=6)
            ids[(f, v)] = mem.remember(facts[f][1][v], kind=kind, source=source).id
        first = stale = top5 = 0
        for f, (question, versions) in enumerate(facts):
            found = mem.recall(question, k=5)
            if source is None:
                hits = [h.id for h in found]
                current = ids[(f, len(versions) - 1)]
                older = {ids[(f, v)] for v in range(len(versions) - 1)}
                first += bool(hits) and hits[0] == current
                stale += bool(hits) and hits[0] in older
                top5 += current in hits
                continue
            said = [_version_of(h.memory.text, versions) for h in found]
            first += bool(said) and said[0] == len(versions) - 1
            stale += bool(said) and said[0] is not None and said[0] < len(versions) - 1
            top5 += (len(versions) - 1) in said
        mem.close()
    return {
        "facts": n_facts,
        "updates": sum(len(v) - 1 for _, v in facts),
        "current_first": round(first / n_facts, 4),
        "stale_first": round(stale / n_facts, 4),
        "current_in_top5": round(top5 / n_facts, 4),
    }


def _version_of(text: str, versions: list[str]) -> int | None:
    """Which version's sentence ``text`` is (or was read from), by its wording: the newest
    whose words all occur in it."""
    words = set(text.lower().replace(".", " ").split())
    for v in range(len(versions) - 1, -1, -1):
        if set(versions[v].lower().replace(".", " ").split()) <= words:
            return v
    return None


def discrimination(n: int, seed: int) -> dict:
    rng = random.Random(seed)
    clock = ManualClock(datetime(2025, 1, 1, tzinfo=UTC))
    with tempfile.TemporaryDirectory() as tmp:
        mem = memd.open(Path(tmp) / "h", clock=clock)
        words = [
            "alpha",
            "bravo",
            "cedar",
            "delta",
            "ember",
            "fjord",
            "gamma",
            "harbor",
            "indigo",
            "jasper",
            "kelp",
            "lumen",
            "mosaic",
            "nectar",
            "onyx",
            "prism",
            "quartz",
            "raven",
        ]
        texts = [
            f"note {i}: the {rng.choice(words)} {rng.choice(words)} setting is {rng.randrange(1000)}"
            for i in range(n)
        ]
        ids = mem.remember_many([{"text": t, "kind": "semantic"} for t in texts])
        # Latent usefulness: most memories are never needed again, a few often.
        use = [rng.choice([0.0, 0.0, 0.0, 0.002, 0.01, 0.03, 0.08]) for _ in range(n)]
        for _ in range(60):
            clock.advance(days=1)
            for i in range(n):
                if rng.random() < use[i]:
                    mem.recall(texts[i], k=1)
        mem.flush_reinforcements()
        now = clock.now()
        rows = {r.id: r for r in mem.list(limit=None)}
        ret = [
            retention(now, rows[i].last_recalled_at or rows[i].recorded_at, rows[i].stability, rows[i].pinned)
            for i in ids
        ]
        later = [any(rng.random() < use[i] for _ in range(30)) for i in range(n)]
        mem.close()
    pos = [r for r, y in zip(ret, later, strict=True) if y]
    neg = [r for r, y in zip(ret, later, strict=True) if not y]
    wins = sum((p > q) + 0.5 * (p == q) for p in pos for q in neg)
    auc = wins / (len(pos) * len(neg)) if pos and neg else float("nan")
    ratio = (sum(pos) / len(pos)) / max(sum(neg) / len(neg), 1e-12) if pos and neg else float("nan")
    return {
        "memories": n,
        "recalled_later": len(pos),
        "auc": round(auc, 3),
        "mean_retention_ratio": round(ratio, 2),
    }


def force_tier(mem, tier: str) -> None:
    """Put every memory in ``tier`` and give it that tier's vector format."""
    ids = mem.store.vector_columns().column("id").to_pylist()
    for start in range(0, len(ids), 1024):
        mem.store.update_many([{"id": i, "tier": tier} for i in ids[start : start + 1024]])
    mem.recompress()


def bytes_per_memory(n: int) -> dict:
    """Bytes on disk per memory (text, metadata, vector, indexes), all memories in one tier."""
    out = {"memories": n}
    for tier in ("active", "warm", "cold"):
        with tempfile.TemporaryDirectory() as tmp:
            mem = memd.open(Path(tmp) / "h")
            mem.remember_many(
                [
                    {
                        "text": f"memory {i}: a typical one-sentence note about module {i % 97} "
                        "and what we decided about it"
                    }
                    for i in range(n)
                ]
            )
            if tier != "active":
                force_tier(mem, tier)
            mem.close()
            mem.store.compact(drop_history=True)
            size = sum(p.stat().st_size for p in (Path(tmp) / "h" / "store").rglob("*") if p.is_file())
        out[tier] = round(size / n)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--facts", type=int, default=500)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    report = {
        "knowledge_updates_plain_remember": knowledge_updates(args.facts, 1, auto=True),
        "knowledge_updates_said_in_conversation": knowledge_updates(args.facts, 1, auto=True, source="mcp"),
        "knowledge_updates_as_facts": knowledge_updates(args.facts, 1, auto=True, kind="semantic"),
        "knowledge_updates_as_facts_retention_only": knowledge_updates(
            args.facts, 1, auto=False, kind="semantic"
        ),
        "discrimination": discrimination(300, 2),
        "bytes": bytes_per_memory(2000),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
