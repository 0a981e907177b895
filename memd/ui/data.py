"""What each dashboard view shows, as plain JSON-ready data, read through the MemoryAPI only
(the same calls the CLI and the MCP server make): the web layer adds nothing but transport.

A project of 10,000 memories must render in a second, so views that list send a page (the
newest, or the weakest) and summarise the rest in counts computed here, not in the browser.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from memd.anchors.model import outdated
from memd.api import MemoryAPI
from memd.distill.slots import DERIVED
from memd.explain import channel_notes, learned_note
from memd.guard import withheld
from memd.lifecycle import Policy, retention, tier_for
from memd.records import MemoryRecord, Tier

PAGE = 200  # memories a list view sends; the rest are in its counts
CURVE_DAYS = (0, 1, 2, 4, 7, 14, 30, 60, 90, 180)


def card(r: MemoryRecord, now: datetime | None = None) -> dict[str, Any]:
    """One memory as every view shows it."""
    tags = set(r.tags)
    out: dict[str, Any] = {
        "id": r.id,
        "text": r.text,
        "kind": r.kind.value,
        "project": r.project,
        "tier": r.tier.value,
        "pinned": r.pinned,
        "tags": sorted(tags),
        "created_at": r.created_at.isoformat(),
        "superseded_by": r.superseded_by,
        "author": r.author,
        "flagged": withheld(tags),
        "shared": "shared" in tags,
        "learned": learned_note(tags, r.id),
        "outdated": outdated(r.anchors),  # the wording recall, briefings and MCP use
    }
    if now is not None:
        out["retention"] = round(_retention(r, now), 3)
    return out


def _last(r: MemoryRecord) -> datetime:
    return r.last_recalled_at or r.recorded_at or r.created_at


def _retention(r: MemoryRecord, now: datetime) -> float:
    return retention(now, _last(r), r.stability, r.pinned)


def search(api: MemoryAPI, query: str, *, project: str | None, k: int = 10) -> list[dict[str, Any]]:
    """Recall, each hit with the channels that found it (as `memd recall --explain` says)."""
    if not query.strip():
        return []
    hits = api.recall(query, k=k, project=project)
    return [
        {
            **card(h.memory),
            "score": round(h.score, 4),
            "found_by": channel_notes({n: c.model_dump() for n, c in h.channels.items()}),
        }
        for h in hits
    ]


def _all(api: MemoryAPI, project: str | None) -> list[MemoryRecord]:
    return api.list(project=project, limit=None, include_archived=True)


def timeline(api: MemoryAPI, *, project: str | None, offset: int = 0) -> dict[str, Any]:
    """The project's memories newest first (a page), counts per day and kind for the plot,
    and the supersession chains the page touches."""
    records = _all(api, project)
    per_day: dict[str, Counter[str]] = {}
    for r in records:
        per_day.setdefault(r.created_at.date().isoformat(), Counter())[r.kind.value] += 1
    by_id = {r.id: r for r in records}
    page = records[offset : offset + PAGE]
    chains = {}
    for r in page:
        if r.superseded_by:
            chain, seen = [r.id], {r.id}
            nxt: str | None = r.superseded_by
            while nxt and nxt in by_id and nxt not in seen:  # a cycle would be a bug; never loop
                chain.append(nxt)
                seen.add(nxt)
                nxt = by_id[nxt].superseded_by
            chains[r.id] = chain
    return {
        "total": len(records),
        "offset": offset,
        "memories": [card(r) for r in page],
        "per_day": [{"day": d, **c} for d, c in sorted(per_day.items())],
        "kinds": sorted({r.kind.value for r in records}),
        "tiers": dict(Counter(r.tier.value for r in records)),
        "chains": chains,
    }


def graph(api: MemoryAPI, memory_id: str, *, depth: int = 2, limit: int = 60) -> dict[str, Any]:
    """The links around a memory (supersession, derivation, related), ``depth`` steps out."""
    center = api.get(memory_id)
    nodes: dict[str, dict[str, Any]] = {center.id: {**card(center), "depth": 0, "via": None}}
    edges: list[dict[str, str]] = []
    seen_edges: set[tuple[str, str, str]] = set()
    frontier = [center.id]
    for step in range(1, depth + 1):
        nxt = []
        for mid in frontier:
            for link in api.links(mid):
                key = (link["src"], link["dst"], link["relation"])
                if key in seen_edges:
                    continue
                seen_edges.add(key)
                edges.append({"src": key[0], "dst": key[1], "relation": key[2]})
                for other in key[:2]:
                    if other not in nodes and len(nodes) < limit:
                        try:
                            nodes[other] = {**card(api.get(other)), "depth": step, "via": mid}
                        except Exception:  # noqa: BLE001 - a purged memory leaves a dangling link
                            continue
                        nxt.append(other)
        frontier = nxt
    # The entity graph: memories that name the same things as this one (found by recall on
    # the entity, kept only when they really name it), one edge per shared entity.
    entities = sorted(set(center.entities))
    for entity in entities[:4]:
        for hit in api.recall(entity, k=6, project=center.project):
            kin = hit.memory
            if kin.id == center.id or entity not in kin.entities or len(nodes) >= limit:
                continue
            nodes.setdefault(kin.id, {**card(kin), "depth": 1, "via": center.id})
            edges.append({"src": center.id, "dst": kin.id, "relation": f"both name {entity}"})
    edges = [e for e in edges if e["src"] in nodes and e["dst"] in nodes]
    return {"center": center.id, "nodes": list(nodes.values()), "edges": edges, "entities": entities}


def retention_view(
    api: MemoryAPI, *, project: str | None, now: datetime | None = None, policy: Policy | None = None
) -> dict[str, Any]:
    """Retention now and ahead for the weakest memories, the tier thresholds, and what the
    next maintenance will do (the same rule :mod:`memd.service.maintenance` applies)."""
    now = now or datetime.now(UTC)
    policy = policy or Policy()
    live = [r for r in _all(api, project) if r.tier is not Tier.ARCHIVED]
    ahead = now + timedelta(days=30)
    strength = {r.id: (_retention(r, now), _retention(r, ahead)) for r in live}  # once each
    moves: Counter[str] = Counter()
    moving = []
    for r in live:
        age = (now - (r.recorded_at or r.created_at)).total_seconds() / 86_400
        tier = tier_for(strength[r.id][0], r.pinned, age, policy)
        if tier is not r.tier:
            moves[f"{r.tier.value}->{tier.value}"] += 1
            moving.append({**card(r, now), "next_tier": tier.value})
    # Weakest now, and among equals (all fresh) the fastest to fade.
    weakest = sorted(live, key=lambda r: (round(strength[r.id][0], 3), strength[r.id][1]))[:40]
    curves = [
        {
            **card(r, now),
            "curve": [round(_retention(r, now + timedelta(days=d)), 3) for d in CURVE_DAYS],
        }
        for r in weakest
    ]
    return {
        "days": list(CURVE_DAYS),
        "thresholds": {"warm": policy.warm_below, "cold": policy.cold_below, "archive": policy.archive_below},
        "curves": curves,
        "next_maintenance": dict(moves),
        "moving": moving[:PAGE],
        "live": len(live),
    }


def conventions(api: MemoryAPI, *, project: str | None) -> list[dict[str, Any]]:
    """Distilled rules in force, each with the turns it was read from and its older versions."""
    rules = [
        r
        for r in api.list(project=project, limit=None)
        if "distilled" in r.tags and "digest" not in r.tags and not r.superseded_by
    ]
    out = []
    for r in rules[:PAGE]:
        sources = [lk["dst"] for lk in api.links(r.id) if lk["relation"] == DERIVED and lk["src"] == r.id]
        turns = []
        for sid in sources[:5]:
            try:
                turns.append(card(api.get(sid)))
            except Exception:  # noqa: BLE001 - a purged turn leaves the rule standing
                continue
        older = [card(v) for v in api.history(r.id) if v.id != r.id]
        out.append({**card(r), "turns": turns, "history": older})
    return out


def flagged(api: MemoryAPI, *, project: str | None) -> list[dict[str, Any]]:
    return [card(r) for r in api.audit(action="list", project=project)]


def stats(api: MemoryAPI) -> dict[str, Any]:
    """Totals, and per project its kinds and tiers (for the bars)."""
    s = api.stats()
    per_project: dict[str, dict[str, Counter[str]]] = {}
    for r in api.list(project=None, limit=None, include_archived=True):
        p = per_project.setdefault(r.project, {"kind": Counter(), "tier": Counter()})
        p["kind"][r.kind.value] += 1
        p["tier"][r.tier.value] += 1
    return {
        **s.model_dump(mode="json"),
        "projects": {
            name: {"kind": dict(v["kind"]), "tier": dict(v["tier"])}
            for name, v in sorted(per_project.items())
        },
    }
