"""One memory per subject that holds every rule in force for it: "Rules for methods:
names start with 'x_' · include try statements · use docstrings · …".

A question about a subject ("What is our convention for methods?") may concern a dozen
rules, more than a recall returns; an agent asking it wants all of them, now, in one
place — what a section of CLAUDE.md gives. The digest is rebuilt from the rules in force
whenever the learner changes a project's rules (a new version under the same source id
supersedes the old one, history kept), so it never holds a replaced rule. Briefings list
the rules themselves and leave digests out; recall finds both.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from memd.records import Kind, NewMemory
from memd.store import Row, Store

DIGEST_PREFIX = "memd:digest:"
DIGEST_TAG = "digest"
MIN_RULES = 2  # one rule is its own digest
MAX_RULES = 24
RULE_KINDS = (Kind.PROCEDURAL.value, Kind.PREFERENCE.value)


def digest_text(subject: str, rules: Sequence[str]) -> str:
    items = [r.rstrip(" .") for r in rules[:MAX_RULES]]
    return f"Rules in force for {subject}: " + " · ".join(items) + "."


def refresh(
    store: Store,
    project: str,
    slot_prefix: str,
    write: Callable[[list[NewMemory]], int],
    *,
    tags: Sequence[str] = (),
    importance: float = 0.7,
) -> int:
    """Rewrite the digests of ``project`` whose rules changed; returns how many changed.
    ``write(items)`` stores new versions (each supersedes the digest of its source id); a
    digest whose subject has fewer than two rules left is archived. Call under the lock."""
    slots = store.find_source_prefix(project, slot_prefix)
    if not slots and not store.find_source_prefix(project, DIGEST_PREFIX):
        return 0
    rows = {r["id"]: r for r in store.get(list(slots.values()), ["id", "text", "kind", "created_at"])}
    by_subject: dict[str, list[Row]] = defaultdict(list)
    for source_id, id in slots.items():
        row = rows.get(id)
        subject = source_id[len(slot_prefix) :].split("|")[0]
        if row is not None and row["kind"] in RULE_KINDS and subject:
            by_subject[subject].append(row)
    existing = store.find_source_prefix(project, DIGEST_PREFIX)
    have = (
        {r["id"]: r["text"] for r in store.get(list(existing.values()), ["id", "text"])} if existing else {}
    )
    items: list[NewMemory] = []
    archived = 0
    for source_id, id in existing.items():
        if len(by_subject.get(source_id[len(DIGEST_PREFIX) :], ())) < MIN_RULES:
            store.update(id, {"tier": "archived"})  # its rules were retired: no digest to keep
            archived += 1
    for subject, group in sorted(by_subject.items()):
        if len(group) < MIN_RULES:
            continue
        group.sort(key=lambda r: (r["created_at"], r["id"]))
        text = digest_text(subject, [r["text"] for r in group])
        source_id = DIGEST_PREFIX + subject
        if have.get(existing.get(source_id, "")) == text:
            continue
        items.append(
            NewMemory(
                text=text,
                project=project,
                kind=Kind.PROCEDURAL.value,
                tags=(*tags, DIGEST_TAG),
                source="distill",
                source_id=source_id,
                created_at=max(r["created_at"] for r in group),
                importance=importance,
            )
        )
    return (write(items) if items else 0) + archived


def is_digest(tags: object) -> bool:
    return DIGEST_TAG in set(tags or ())  # type: ignore[call-overload]
