"""A compact briefing of one project for an agent starting work: what to know first.

Order: pinned memories, then the conventions and rules in force, decisions, facts, open
problems, what the user told the agent that no rule holds (memd.told), and, with what room is
left, recent events. Only current memories are read (a superseded version never appears),
and no line names a value a later word retired (memd.told.Retired). With a task, what a
search for it found (memd.service.tasked) comes first, whole: a document's section with its
commands and code, which a rule read from it cannot carry alone; then the rules, decisions and
facts that share words with it lead their sections. Every other line carries its age and id
and is one line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from pydantic import BaseModel

from memd.anchors.model import outdated
from memd.errors import InvalidInputError
from memd.guard import withheld
from memd.overruled import Overruled, overruled
from memd.passage import passage, words
from memd.records import Kind, MemoryRecord
from memd.restated import Item, sift
from memd.told import event_sentences, is_user, one_line, told_sentences

if TYPE_CHECKING:
    from memd.store import Store

# Kept in step with memd.distill.slots.SLOT_PREFIX (not imported: the hook's cold path
# must stay light).
SLOT_PREFIX = "memd:slot:"
DERIVED = "derived_from"
# A token is about four characters of English; good enough to size a briefing.
CHARS_PER_TOKEN = 4
OPEN_TAGS = {"todo", "open", "bug", "problem", "blocked", "wip"}
# Recent events fill at most this share of the budget: the rules come first.
RECENT_SHARE = 0.35
RECENT_WINDOW = timedelta(hours=12)
# What the task's search found fills at most this share, each memory at most FOCUS_CHARS.
FOCUS_SHARE = 0.55
FOCUS_CHARS = 1_000
FOCUS_TITLE = "For this task"
OVERRULED_TITLE = "Instruction files say otherwise"


class Briefing(BaseModel):
    project: str
    text: str
    memory_ids: list[str]
    truncated: bool


def _section_members(records: Sequence[MemoryRecord]) -> list[tuple[str, list[MemoryRecord]]]:
    pinned = [r for r in records if r.pinned]
    rest = [r for r in records if not r.pinned]
    rules = [r for r in rest if r.kind in (Kind.PREFERENCE, Kind.PROCEDURAL)]
    decisions = [r for r in rest if r.kind is Kind.DECISION]
    facts = [r for r in rest if r.kind is Kind.SEMANTIC]
    open_problems = [r for r in rest if r.kind is Kind.EPISODIC and OPEN_TAGS & set(r.tags)]
    events = [r for r in rest if r.kind is Kind.EPISODIC and not OPEN_TAGS & set(r.tags)]
    told = [r for r in events if is_user(r.author)]
    recent = [r for r in events if not is_user(r.author)]
    if recent:  # what happened in the last sitting; older reports are history (recall has them)
        last = max(r.created_at for r in recent)
        recent = [r for r in recent if last - r.created_at <= RECENT_WINDOW]
    return [
        ("Pinned", pinned),
        ("Conventions and rules", rules),
        ("Decisions", decisions),
        ("Facts", facts),
        ("Open problems", open_problems),
        ("What you were told", told),
        ("Recent events", recent),
    ]


EVENT_SECTIONS = ("Pinned", "What you were told", "Recent events")


def _by_task(members: list[MemoryRecord], task: str | None) -> list[MemoryRecord]:
    """Those sharing words with ``task`` first (most shared first); then rules that name
    their subject (read by memd.distill, replaced when it changes) before loose ones."""
    want = words(task) if task else set()
    scored = [
        (len(want & words(r.text)) if want else 0, not (r.source_id or "").startswith(SLOT_PREFIX), n)
        for n, r in enumerate(members)
    ]
    return [members[s[2]] for s in sorted(scored, key=lambda x: (-x[0], x[1], x[2]))]


def _items(records: Sequence[MemoryRecord], turns: Sequence[MemoryRecord]) -> list[Item]:
    """What :func:`memd.restated.sift` reads: each candidate line, and the user's turns that
    are not shown (a rule holds them) but can still make an older line stale."""
    shown = {r.id for r in records}
    items = []
    for r in records:
        if r.pinned:
            continue  # what the user pinned is shown as pinned
        if r.kind is Kind.EPISODIC and not OPEN_TAGS & set(r.tags):
            user = is_user(r.author)
            said = told_sentences(r.text) if user else event_sentences(r.text)
            items.append(Item(r.id, r.created_at, tuple(said), user=user, text=r.text))
        else:
            items.append(Item(r.id, r.created_at, (" ".join(r.text.split()),), whole=True, text=r.text))
    for r in turns:
        if r.id not in shown and is_user(r.author):
            told = tuple(told_sentences(r.text))
            items.append(Item(r.id, r.created_at, told, user=True, shown=False, text=r.text))
    return items


def age(then: datetime, now: datetime) -> str:
    """'today', '3d', '5w', '4mo', '2y': short enough to sit on every line."""
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    days = max(0, (now - then).days)
    if days == 0:
        return "today"
    if days < 14:
        return f"{days}d"
    if days < 60:
        return f"{days // 7}w"
    if days < 730:
        return f"{days // 30}mo"
    return f"{days // 365}y"


def build_briefing(
    project: str,
    records: Sequence[MemoryRecord],
    max_tokens: int,
    *,
    task: str | None = None,
    now: datetime | None = None,
    texts: Mapping[str, str | None] | None = None,
    focus: Sequence[MemoryRecord] = (),
    overruled: Sequence[Overruled] = (),
) -> Briefing:
    """Newest first within each section (the task's matches before them); pinned first
    of all; cut to ``max_tokens``. ``texts``: the words to show for a record (memd.restated),
    where they differ from its text. ``focus``: what a search for the task found, best
    first, shown whole under "For this task" (within :data:`FOCUS_SHARE` of the budget) and
    not again below. ``overruled``: learned rules an instruction file contradicts (memd.
    overruled), shown after the rules with the file's words, the file winning."""
    now = now or datetime.now(UTC)
    budget = max(64, max_tokens) * CHARS_PER_TOKEN
    lines = [f"# memd briefing: {project}" + (f" (task: {task.strip()[:80]})" if task else "")]
    used = len(lines[0])
    ids: list[str] = []
    shown: set[str] = set()
    truncated = False
    sections = _section_members(records)
    if focus:
        sections.insert(1, (FOCUS_TITLE, list(focus)))
    said_instead = {o.rule.id: o for o in overruled}
    if said_instead:
        at = next(n for n, (title, _) in enumerate(sections) if title == "Conventions and rules") + 1
        sections.insert(at, (OVERRULED_TITLE, [o.rule for o in overruled]))
    for title, members in sections:
        members = [r for r in members if r.id not in shown]
        if not members:
            continue
        header = f"\n## {title}"
        if used + len(header) > budget:
            truncated = True
            break
        limit = budget
        if title == "Recent events":
            limit = min(budget, used + int(RECENT_SHARE * budget))
        elif title == FOCUS_TITLE:
            limit = min(budget, used + int(FOCUS_SHARE * budget))
        lines.append(header)
        used += len(header)
        ordered = (
            members if title in (*EVENT_SECTIONS, FOCUS_TITLE, OVERRULED_TITLE) else _by_task(members, task)
        )
        for r in ordered:
            text = (texts or {}).get(r.id) or r.text
            if title == FOCUS_TITLE:
                # A document is shown as it is written (its file is the truth, not sifted);
                # sifting reads sentences and would flatten its code.
                line = _whole(r, r.text if is_document(r) else text, now, task)
                if used + len(line) + 1 > limit:
                    continue  # a shorter one further down may still fit
                lines.append(line)
                used += len(line) + 1
                ids.append(r.id)
                shown.add(r.id)
                continue
            if r.kind is Kind.EPISODIC:  # a turn may be long; a rule is shown whole
                text = one_line(text) or text
            line = f"- {text} ({age(r.created_at, now)}, {r.id[:8]})"
            if title == OVERRULED_TITLE:
                o = said_instead[r.id]
                line = f'- {o.file}: {o.says} (the file wins over the learned rule "{r.text}", {r.id[:8]})'
            changed = outdated(r.anchors, 200) if title != OVERRULED_TITLE else None
            if changed:  # never presented as current: the code it describes moved on
                line = f"- {r.text} (may be outdated: {changed}; {r.id[:8]})"
            if used + len(line) + 1 > limit:
                truncated = True
                break
            lines.append(line)
            used += len(line) + 1
            ids.append(r.id)
            shown.add(r.id)
        if lines[-1] == header:  # nothing of this section fitted
            lines.pop()
            used -= len(header)
    if not ids:
        lines.append("\nNo memories for this project yet.")
    return Briefing(project=project, text="\n".join(lines), memory_ids=ids, truncated=truncated)


def is_document(r: MemoryRecord) -> bool:
    """A section of a file: an episode nobody said (memd ingest), or a watched file's."""
    return (r.kind is Kind.EPISODIC and not r.author) or "doc" in r.tags


def _whole(r: MemoryRecord, text: str, now: datetime, task: str | None) -> str:
    """A memory as the task section shows it: a document's section with its lines (commands
    and code blocks kept, blank lines out; past :data:`FOCUS_CHARS`, the passage the task's
    words point to); a chat turn or a rule on one line, as elsewhere."""
    stamp = f"({age(r.created_at, now)}, {r.id[:8]})"
    changed = outdated(r.anchors, 200)
    if changed:
        stamp = f"(may be outdated: {changed}; {r.id[:8]})"
    if not is_document(r):
        return f"- {one_line(text) or text} {stamp}"
    head, *rest = passage(text, task, FOCUS_CHARS) or [text.strip()]
    return "\n".join([f"- {head} {stamp}", *(f"  {ln}" for ln in rest)])


# The briefing reads at most this many current rules, decisions and facts, and this many
# of the newest episodes: bounded whatever the project's size.
SCAN_LIMIT = 2_000
EPISODE_LIMIT = 200


def check_request(max_tokens: int, task: str | None) -> None:
    """Refuse a briefing request the user should word again, before any work is done."""
    if not 50 <= int(max_tokens) <= 100_000:
        raise InvalidInputError(
            f"max_tokens={max_tokens} is outside 50..100000", hint="Ask for 200 to 4000 tokens."
        )
    if task is not None and len(task) > 2_000:
        raise InvalidInputError(
            "the task is over 2,000 characters", hint="Describe the task in a sentence or two."
        )


def brief_project(
    store: Store,
    project: str,
    max_tokens: int,
    *,
    task: str | None = None,
    now: datetime | None = None,
    focus: Sequence[MemoryRecord] = (),
) -> Briefing:
    """The briefing of ``project`` read straight from ``store``: a scan, no model, no index.

    Without the embedding model or the in-RAM index a cold hook can brief from the table
    alone; the task is matched by its words. ``focus``: what a search for the task found
    (memd.service.tasked), shown first; it passes the same checks as every other line.
    """
    from memd.store.filters import Filter

    check_request(max_tokens, task)
    lasting = tuple(k.value for k in Kind if k is not Kind.EPISODIC)
    rows = store.scan(Filter(projects=(project,), kinds=lasting, include_superseded=False), limit=SCAN_LIMIT)
    episodes = store.scan(
        Filter(projects=(project,), kinds=(Kind.EPISODIC.value,), include_superseded=False),
        limit=EPISODE_LIMIT,
    )
    # A turn a rule was read from is told by the rule (or by its newer version): shown as
    # an event it would repeat the rule, or bring back the version that replaced it.
    turns = [r["id"] for r in episodes] + [f.id for f in focus if f.kind is Kind.EPISODIC]
    said = {link["dst"] for link in store.links_of(turns) if link["relation"] == DERIVED} if turns else set()
    rows += [r for r in episodes if r["id"] not in said or OPEN_TAGS & set(r.get("tags") or ())]
    # A memory flagged as an attack on the agent waits for review (`memd audit`).
    # A digest repeats the rules listed one by one here (memd.distill.digest).
    files = [
        MemoryRecord.from_row(r)
        for r in rows
        if "instructions" in (r.get("tags") or ()) and not withheld(r.get("tags"))
    ]
    # An agent instruction file's section (memd.ingest.instructions) is in the agent's context
    # already (each tool loads its own files): shown only where a task's search finds it.
    rows = [
        r
        for r in rows
        if not withheld(r.get("tags")) and not {"digest", "instructions"} & set(r.get("tags") or ())
    ]
    records = [MemoryRecord.from_row(r) for r in rows]
    # A learned rule a current instruction file contradicts is not shown as current.
    clash = overruled(
        [r for r in records if r.kind in (Kind.PREFERENCE, Kind.PROCEDURAL, Kind.DECISION)], files
    )
    gone = {o.rule.id for o in clash}
    records = [r for r in records if r.id not in gone]
    # A document's section the rules were read from is what holds their command and its
    # context: the task may have it. A chat turn stays told by its rule (or its newer one).
    have = {r.id for r in records}
    extra = [
        f
        for f in focus
        if f.id not in have
        and f.project == project
        and not withheld(f.tags)
        and "digest" not in f.tags
        and not (f.kind is Kind.EPISODIC and f.author and f.id in said)
    ]
    records += extra
    if any(r.anchors for r in records):
        from memd.anchors.check import annotate

        # Checked now, read-only (a hook may brief while a daemon writes); a memory whose
        # code was deleted is left out, one whose code changed is marked.
        records = [
            r for r in annotate(records) if not r.anchors or not all(a.state == "deleted" for a in r.anchors)
        ]
    # No line presents as current what a later word of the user's changed (memd.restated);
    # every line is one line, told turns without their questions and pasted output.
    read = {r.id: r for r in records}  # the episodes shown are records already
    texts = sift(_items(records, [read.get(r["id"]) or MemoryRecord.from_row(r) for r in episodes]))
    records = [r for r in records if texts.get(r.id, "") is not None]
    kept = {r.id: r for r in records}
    # The search's copy: a long section comes cut to the passage that answers (tasked).
    first = [kept[f.id].model_copy(update={"text": f.text}) for f in focus if f.id in kept]
    only_first = {f.id for f in extra}
    records = [r for r in records if r.id not in only_first]
    return build_briefing(
        project, records, int(max_tokens), task=task, now=now, texts=texts, focus=first, overruled=clash
    )
