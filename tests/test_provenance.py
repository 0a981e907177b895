"""memd.retrieval.provenance: a turn a rule was read from gives way to the rule; a
document's section (no speaker) does not — it holds the command its rule was cut from.
Real store, real learner, the real index."""

from __future__ import annotations

from datetime import UTC, datetime

from memd.retrieval.base import Query
from memd.retrieval.provenance import Provenance
from memd.store.filters import Filter

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SAID = "Always run a focused test before the whole suite: `uv run pytest -s -k <pattern>`."


def test_a_turn_gives_way_to_its_rule_but_a_document_section_does_not(mem) -> None:
    turn, section = mem.remember_many(
        [
            {"text": SAID, "project": "p", "source": "import", "author": "dana", "created_at": T0},
            {"text": "Testing\n" + SAID, "project": "p", "source": "import", "created_at": T0},
        ]
    )
    parts = mem._p  # the composition root's parts: the index the recaller reads
    rules = [r for r in mem.list(project="p", limit=None) if r.source == "distill"]
    assert rules, "nothing was learned from the two"
    q = Query(text="how do I run one test?", filter=Filter(projects=("p",)), now=T0)
    factors = Provenance(parts.index, 0.5).factors(q, [turn, section])
    assert factors.tolist() == [0.5, 1.0]
