"""Storing what the distiller finds: one typed memory per statement, one current version
per subject.

A distilled memory carries its *slot* in ``source_id`` (``memd:slot:<subject>|<aspect>``),
so the writer's own rule — new content under a known source id is a new version of that
thing — supersedes the older version in the same commit and keeps it as history. Each
distilled memory is linked ``derived_from`` the turns it was read from.

What the learner refuses to do, because a wrong memory is worse than none:

- a statement older than the version it would replace does not replace it (re-reading
  old turns never brings back last month's rule);
- the same value said again (the listener's restatement, a reminder) is not a new
  version: the turn is linked to the memory already stored;
- a rule whose subject cannot be told ("actually, use a leading `h_` now") is bound to the
  one current rule of that aspect when there is exactly one; otherwise it is kept beside
  the others, tagged ``review``, and replaces nothing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from memd.clock import Clock
from memd.distill import digest
from memd.distill.distiller import Distiller, Statement, _norm
from memd.distill.facts import nested_bag
from memd.distill.slots import (
    DERIVED,
    DISTILLED_IMPORTANCE,
    DISTILLED_TAG,
    LEARN_FROM,
    REVIEW_TAG,
    SLOT_PREFIX,
    Reader,
)
from memd.guard import withheld
from memd.records import Kind, LearnResult, NewMemory
from memd.service.writing import Writer
from memd.store import Row, Store
from memd.text import content_hash
from memd.told import AGENT_AUTHORS  # an agent's own words are not the user's rules

PROBLEM_SCAN = 2_000  # newest episodes searched for the problem a "fixed" statement closes
_GENERIC_WORDS = frozenset(
    "fixed resolved solved working again green passing now finally longer that this".split()
)
_NEG = re.compile(r"\b(?:never|don't|do not|stop|avoid|no longer|not)\b", re.I)


# Per project, each turn and the statements read in it, oldest turn first.
Reading = dict[str, list[tuple[Row, list[Statement]]]]


@dataclass
class _Current:
    id: str
    text: str
    created_at: datetime


class Learner:
    """Reads written turns, stores their statements (see the module docstring)."""

    def __init__(self, store: Store, writer: Writer, clock: Clock, distiller: Reader | None = None) -> None:
        self._store = store
        self._writer = writer
        self._clock = clock
        self._distiller: Reader = distiller or Distiller()

    def learn(self, rows: Iterable[Row], *, embed: bool = True) -> LearnResult:
        """Distil the episodes among ``rows`` (already stored, with their ids)."""
        return self.store(self.read(rows), embed=embed)

    def read(self, rows: Iterable[Row]) -> Reading:
        """The statements in each turn, by project, oldest turn first. Touches no store:
        with an LLM it is the slow part, done before the write lock is taken."""
        by_project: dict[str, list[Row]] = {}
        for r in rows:
            if self._wanted(r):
                by_project.setdefault(r["project"], []).append(r)
        out: Reading = {}
        for project, group in by_project.items():
            group.sort(key=lambda r: (r["created_at"], r["id"]))
            found = [(t, self._distiller.distill(t["text"], author=t.get("author"))) for t in group]
            if any(sts for _, sts in found):  # most turns state nothing: no store read for them
                out[project] = found
        return out

    def store(self, reading: Reading, *, embed: bool = True) -> LearnResult:
        """Store what :meth:`read` found, one commit per project, under the write lock."""
        stored = replaced = confirmed = 0
        if reading:
            with self._store.writing():
                for project, found in reading.items():
                    s, rp, c = self._learn_project(project, found, embed)
                    stored, replaced, confirmed = stored + s, replaced + rp, confirmed + c
                    if s:  # the project's rules changed: its per-subject digests follow
                        digest.refresh(
                            self._store,
                            project,
                            SLOT_PREFIX,
                            functools.partial(self._write_digests, embed=embed),
                            tags=(DISTILLED_TAG,),
                            importance=DISTILLED_IMPORTANCE,
                        )
        return LearnResult(stored=stored, replaced=replaced, confirmed=confirmed)

    def _write_digests(self, items: list[NewMemory], embed: bool) -> int:
        rows = _salted(self._writer.prepare_many(items))
        return len(self._writer.write_prepared(rows, embed=embed))

    @staticmethod
    def _wanted(row: Row) -> bool:
        author = (row.get("author") or "").strip().lower()
        return (
            row.get("kind") == Kind.EPISODIC.value
            and row.get("source") in LEARN_FROM
            and author not in AGENT_AUTHORS
            and not row.get("superseded_by")
            # A hook's session summary is memd's own digest; the requests it sends beside
            # it (author "user") are what the user said.
            and not (row.get("source") == "hook" and not author)
            # A commit message is written in the imperative ("Add retries to the worker")
            # but says what a change did, not how work is to be done.
            and "commit" not in (row.get("tags") or ())
            # A turn flagged as an attack on the agent teaches nothing until approved.
            and not withheld(row.get("tags"))
        )

    def _learn_project(
        self, project: str, found: Sequence[tuple[Row, list[Statement]]], embed: bool
    ) -> tuple[int, int, int]:
        current = self._current_slots(project)
        pending: list[tuple[NewMemory, str, str | None]] = []  # item, turn id, memory it retires
        links: list[tuple[str, str]] = []  # (memory id, turn id) for restatements
        confirmed = 0
        replacing: list[bool] = []
        solved: set[str] = set()
        for turn, statements in found:
            for st in statements:
                slot, tags = self._bind(st, current)
                now = current.get(slot) if slot else None
                if now is not None and _same(now.text, st):
                    if now.id:
                        links.append((now.id, turn["id"]))
                    confirmed += 1
                    continue
                if now is not None and now.created_at > turn["created_at"]:
                    continue  # older than the version in force: history, not news
                retire = None
                if st.aspect == "solved":
                    retire = self._problem_solved(project, st, solved)
                    if retire is None:
                        continue  # it names no open problem memd knows: the turn says it
                    solved.add(retire)
                if st.negated and st.exclusive_slot and st.exclusive_slot in current:
                    old = current[st.exclusive_slot]
                    if _mentions(old.text, st.value):
                        retire, slot_to_drop = old.id, st.exclusive_slot
                        current.pop(slot_to_drop, None)
                item = NewMemory(
                    text=st.text,
                    project=project,
                    kind=st.kind.value,
                    tags=(DISTILLED_TAG, *st.tags, *tags),
                    source="distill",
                    source_id=f"{SLOT_PREFIX}{slot}" if slot else None,
                    created_at=turn["created_at"],
                    importance=DISTILLED_IMPORTANCE,
                    author=turn.get("author"),
                    # A rule read from a turn about code describes that code too.
                    anchors=turn.get("anchors") or (),
                )
                pending.append((item, turn["id"], retire))
                replacing.append(now is not None or retire is not None)
                if slot:
                    current[slot] = _Current("", st.text, turn["created_at"])
        if not pending and not links:
            return 0, 0, confirmed
        rows = _salted(self._writer.prepare_many([p[0] for p in pending]))
        retire_map = {row["id"]: p[2] for row, p in zip(rows, pending, strict=True) if p[2]}
        before = {r["id"] for r in rows}
        ids = self._writer.write_prepared(rows, embed=embed, supersede=retire_map or None)
        stored = sum(1 for i in ids if i in before)
        replaced = sum(1 for i, r in zip(ids, replacing, strict=True) if r and i in before)
        derived = [(mid, p[1]) for mid, p in zip(ids, pending, strict=True)]
        derived += [(mid, tid) for mid, tid in links if mid]
        self._link(derived)
        return stored, replaced, confirmed

    def _problem_solved(self, project: str, st: Statement, taken: set[str]) -> str | None:
        """The one open problem ``st`` says is solved: the current open problem sharing the
        most content words with it (two at least), when no other shares as many."""
        from memd.distill.subjects import canonical_words
        from memd.store.filters import Filter

        said = {w for w in canonical_words(st.text) if len(w) > 3} - _GENERIC_WORDS
        rows = self._store.scan(
            Filter(projects=(project,), kinds=(Kind.EPISODIC.value,), include_superseded=False),
            limit=PROBLEM_SCAN,
        )
        scored = []
        for r in rows:
            if "open" in (r.get("tags") or ()) and r["id"] not in taken:
                shared = len(said & canonical_words(r["text"]))
                if shared >= 2:
                    scored.append((shared, r["id"]))
        scored.sort(reverse=True)
        if not scored or (len(scored) > 1 and scored[1][0] == scored[0][0]):
            return None
        best: str = scored[0][1]
        return best

    def _current_slots(self, project: str) -> dict[str, _Current]:
        found = self._store.find_source_prefix(project, SLOT_PREFIX)
        if not found:
            return {}
        rows = {r["id"]: r for r in self._store.get(list(found.values()))}
        out = {}
        for source_id, id in found.items():
            r = rows.get(id)
            if r is not None:
                out[source_id[len(SLOT_PREFIX) :]] = _Current(id, r["text"], r["created_at"])
        return out

    @staticmethod
    def _bind(st: Statement, current: dict[str, _Current]) -> tuple[str | None, tuple[str, ...]]:
        """The slot ``st`` belongs to, and tags to add (``review`` when it is unsure)."""
        if st.replaces and st.slot not in current:
            # "We moved from pnpm to bun for installs": the rule that said pnpm is the one
            # this replaces, whatever words named its subject then.
            said = [
                s
                for s, now in current.items()
                if _mentions(now.text, st.replaces) and not s.endswith("|" + _norm(st.replaces))
            ]
            said = [s for s in said if s.split("|")[1:2] == [st.aspect]] or said
            if len(said) == 1:
                return said[0], ()
        if st.aspect == "fact" and st.slot and st.slot not in current:
            # "port for payments is 5000" after "payments listens on port 4312": the bags of
            # two wordings hold one another; one fact when only one could be meant.
            near = [
                s for s in current if s.endswith("|fact") and nested_bag(s[: -len("|fact")], st.subject_key)
            ]
            if len(near) == 1:
                return near[0], ()
        if st.slot and "unbound" not in st.tags:
            if st.slot not in current and st.exclusive and not st.negated:
                # "argument names" when the project has one rule for "function argument
                # names": the less specific wording names the rule already known.
                # Or the more specific one ("function argument names" after "argument
                # names"): one rule when the head noun is the same and one wording holds
                # the other, and only one such rule exists.
                mine = st.subject_key.split()
                near = [
                    slot
                    for slot in current
                    if slot.count("|") == 1
                    and slot.endswith("|" + st.aspect)
                    and _nested(mine, slot.split("|")[0].split())
                ]
                if len(near) == 1:
                    return near[0], ()
            return st.slot, ()
        if st.replaces:  # "use pnpm, not npm": the rule whose value was npm
            for slot, now in current.items():
                if _mentions(now.text, st.replaces) and not slot.endswith("|" + _norm(st.replaces)):
                    return slot, ()
            return f"{_norm(st.replaces)}|{st.aspect}", ()
        if st.aspect in ("rule", "decision", "preference", "problem"):
            return None, ()
        same_aspect = [slot for slot in current if slot.split("|")[1:2] == [st.aspect]]
        if len(same_aspect) == 1:
            return same_aspect[0], ()
        return None, (REVIEW_TAG,)

    def _link(self, pairs: Sequence[tuple[str, str]]) -> None:
        # Written once: re-distilling the same turns finds their links already there.
        seen = {
            (link["src"], link["dst"])
            for link in self._store.links_of(sorted({tid for _, tid in pairs}))
            if link["relation"] == DERIVED
        }
        rows = []
        for mid, tid in pairs:
            if (mid, tid) in seen or mid == tid:
                continue
            seen.add((mid, tid))
            rows.append({"src": mid, "dst": tid, "relation": DERIVED, "created_at": self._clock.now()})
        self._store.add_links(rows)


def _salted(rows: list[Row]) -> list[Row]:
    """A rule often reads word for word like the turn that stated it; it is still a memory
    of its own, so it is told apart from episodes by its content hash."""
    for row in rows:
        row["content_hash"] = content_hash(f"{DISTILLED_TAG}\x00{row['text']}")
    return rows


def _nested(a: list[str], b: list[str]) -> bool:
    return bool(a and b) and a[-1] == b[-1] and a != b and (set(a) < set(b) or set(b) < set(a))


def _mentions(text: str, value: str) -> bool:
    v = _norm(value)
    return bool(v) and re.search(r"(?<![\w])" + re.escape(v) + r"(?![\w])", text.lower()) is not None


def _same(text: str, st: Statement) -> bool:
    """Whether the stored ``text`` already says what ``st`` says (value and polarity)."""
    if " ".join(text.lower().split()) == " ".join(st.text.lower().split()) or not st.value:
        return " ".join(text.lower().split()) == " ".join(st.text.lower().split())
    if st.replaces and _mentions(text, st.replaces):
        # "scratch the Redux thing, back to Zustand" against "changed my mind about Zustand,
        # use Redux Toolkit": the rule in force holds the value being replaced.
        return False
    return _mentions(text, st.value) and bool(_NEG.search(text)) == st.negated
