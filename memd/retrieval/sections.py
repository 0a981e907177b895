"""A rule read from a document is answered by its section.

``memd ingest CLAUDE.md`` stores the file's sections and the rules the learner reads from
them ("Run tests for a specific crate."). A rule is short and speaks the question's words,
so fusion and the rule channel rank it above the section that holds the answer: the
command under it (``cargo test -p ty_python_semantic``), the exception after it. On ten
real instruction files collected for this (benchmarks/agentdocs.py), recall's top 5 held
the answer for 0.867 of the questions, a BM25 over the sections alone for 0.956.

So among the first :data:`WINDOW` hits, a rule read from a document (source ``distill``,
no author: nobody said it) gives its place to the section it was read from, explained as
channel ``section``; the rule itself is not listed again (its section holds its words).
A rule whose section is gone (archived, replaced) stays as it is. Rules read from what a
person said are left alone: their turn is history, the rule the current word.
"""

from __future__ import annotations

from memd.records import ChannelScore, Hit, Kind, MemoryRecord, Tier
from memd.store import Store

WINDOW = 20
DERIVED = "derived_from"
_RULES = (Kind.PROCEDURAL, Kind.PREFERENCE, Kind.DECISION, Kind.SEMANTIC)


def read_from_a_document(m: MemoryRecord) -> bool:
    return m.source == "distill" and not m.author and m.kind in _RULES


def sections_for_rules(hits: list[Hit], store: Store) -> list[Hit]:
    """``hits`` with each document rule among the first :data:`WINDOW` replaced by its
    section (see the module); one link read, and one row read per section not already a hit."""
    rules = [h.id for h in hits[:WINDOW] if read_from_a_document(h.memory)]
    if not rules:
        return hits
    wanted = set(rules)
    section_of = {
        link["src"]: link["dst"]
        for link in store.links_of(rules)
        if link["relation"] == DERIVED and link["src"] in wanted
    }
    if not section_of:
        return hits
    known = {h.id: h for h in hits}
    missing = sorted({s for s in section_of.values() if s not in known})
    read = {r["id"]: MemoryRecord.from_row(r) for r in store.get(missing)} if missing else {}
    out: list[Hit] = []
    placed: set[str] = set()
    for rank, hit in enumerate(hits, start=1):
        if hit.id in placed:
            continue  # a section that took a rule's place higher up
        sid = section_of.get(hit.id)
        section = known[sid].memory if sid in known else read.get(sid or "")
        if section is None or section.tier is Tier.ARCHIVED or section.superseded_by:
            out.append(hit)
            placed.add(hit.id)
            continue
        if section.id not in placed:
            channels = dict(known[section.id].channels) if section.id in known else {}
            channels["section"] = ChannelScore.model_construct(score=hit.score, rank=rank)
            out.append(Hit.model_construct(memory=section, score=hit.score, channels=channels))
            placed.add(section.id)
    return out
