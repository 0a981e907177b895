"""Moving memories to another project.

Earlier versions of memd stored a memory written without ``--project`` under the
project ``default`` while briefings read the directory's project, so those memories
never reached the agent. Moving them is the repair: a memory keeps its id, history,
links and strength; only its project changes. A memory whose text the target project
already holds is moved too but archived, so recall does not show the same text twice
and nothing is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from memd.errors import InvalidInputError
from memd.records import Tier

if TYPE_CHECKING:  # the daemon's client imports MoveResult and must not load LanceDB
    from memd.store import Store

MAX_PROJECT_CHARS = 200


class MoveResult(BaseModel):
    project: str
    moved: list[str]
    archived_as_duplicates: list[str]


def move_memories(
    store: Store,
    now: datetime,
    resolve: Callable[[str], str],
    *,
    project: str,
    ids: Sequence[str] = (),
    from_project: str | None = None,
) -> MoveResult:
    """Move ``ids`` (prefixes allowed; each with the older versions it superseded) and/or
    every memory of ``from_project`` (archived and superseded ones included, so
    histories stay whole) to ``project``, in one commit."""
    target = (project or "").strip()
    if not target or len(target) > MAX_PROJECT_CHARS:
        raise InvalidInputError("the target project must be 1-200 characters", hint="Pass --project NAME.")
    if not ids and not from_project:
        raise InvalidInputError(
            "nothing to move", hint="Name memory ids, or --from-project default to move a whole project."
        )
    with store.writing():
        wanted = [resolve(i) for i in ids]
        rows: dict[str, dict[str, Any]] = {r["id"]: r for r in store.get(wanted)}
        # A named memory brings the versions it replaced: a history split across two
        # projects would show half of itself.
        for link in _supersession_links(store, list(rows)):
            rows.setdefault(link, {"id": link})
        if from_project:
            from memd.store.filters import Filter

            flt = Filter(projects=(from_project.strip(),), include_archived=True, include_superseded=True)
            for r in store.scan(flt, limit=None):
                rows.setdefault(r["id"], r)
        full = {r["id"]: r for r in store.get([i for i, r in rows.items() if "project" not in r])}
        rows.update(full)
        movable = [r for r in rows.values() if r.get("project") not in (None, target)]
        if not movable:
            return MoveResult(project=target, moved=[], archived_as_duplicates=[])
        current = [r for r in movable if r.get("superseded_by") is None and r.get("tier") != "archived"]
        taken = store.find_hashes(target, sorted({r["content_hash"] for r in current}))
        duplicates = [r["id"] for r in current if r["content_hash"] in taken]
        dup = set(duplicates)
        # Every row carries its tier (read under the write lock) so that one commit of
        # rows of one shape moves them all.
        store.update_many(
            [
                {
                    "id": r["id"],
                    "project": target,
                    "tier": Tier.ARCHIVED.value if r["id"] in dup else r["tier"],
                    "updated_at": now,
                }
                for r in movable
            ]
        )
    return MoveResult(project=target, moved=[r["id"] for r in movable], archived_as_duplicates=duplicates)


def _supersession_links(store: Store, ids: list[str]) -> set[str]:
    """Every older version reachable from ``ids`` through 'supersedes' links."""
    found: set[str] = set()
    frontier = ids
    while frontier:
        older = [
            link["dst"]
            for link in store.links_of(frontier)
            if link["relation"] == "supersedes" and link["src"] in frontier and link["dst"] not in found
        ]
        older = [o for o in older if o not in ids]
        found.update(older)
        frontier = older
    return found
