"""Export and import: a store as JSON lines, every field, history and links included.

The file is a header line, one line per memory (archived and superseded ones too, so
`memd show --history` survives the trip), then one line per link:

    {"format": "memd-export", "version": 1, "schema": 6, "model": "minilm-l6-int8", "dim": 384, ...}
    {"memory": {"id": "…", "text": "…", "kind": "procedural", …, "vector": [...]?}}
    {"link": {"src": "…", "dst": "…", "relation": "supersedes", "created_at": "…"}}

Import reads and checks the whole file before it writes anything: a broken line is
reported with its number and nothing is stored. Memories whose id the store already
holds are skipped (importing twice adds nothing). Vectors travel with ``--with-vectors``
and are used when the model matches; otherwise the texts are embedded again. Text is
redacted and screened like any write (a crafted file is input like any other).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from memd.errors import InvalidInputError
from memd.guard import with_flags
from memd.lifecycle import initial_stability
from memd.records import ImportResult, Kind, Tier
from memd.secrets import redact
from memd.store import Row, Store
from memd.store.filters import Filter
from memd.store.schema import RECORD_COLUMNS, SCHEMA_VERSION, TIME_COLUMNS
from memd.text import content_hash

FORMAT = "memd-export"
VERSION = 1
CHUNK = 500
_KINDS = {k.value for k in Kind}
_TIERS = {t.value for t in Tier}


def _plain(v: Any) -> Any:
    return v.isoformat() if isinstance(v, datetime) else v


def export_lines(
    store: Store, *, projects: Sequence[str] = (), with_vectors: bool = False, model: str = ""
) -> Iterator[str]:
    """The export as lines of JSON (no trailing newline)."""
    rows = store.scan(
        Filter(projects=tuple(projects), include_archived=True, include_superseded=True), limit=None
    )
    rows.sort(key=lambda r: (r["created_at"], r["id"]))
    header = {
        "format": FORMAT,
        "version": VERSION,
        "schema": SCHEMA_VERSION,
        "model": model,
        "dim": store.dim,
        "memories": len(rows),
        "projects": sorted({r["project"] for r in rows}),
    }
    yield json.dumps(header)
    ids = [r["id"] for r in rows]
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        vectors: dict[str, dict[str, Any]] = {}
        if with_vectors:
            table = store.vector_columns([r["id"] for r in chunk]).to_pylist()
            for v in table:
                entry: dict[str, Any] = {}
                if v.get("vector") is not None:
                    entry["vector"] = [round(float(x), 7) for x in v["vector"]]
                if v.get("qvec") is not None:
                    entry["qvec"] = base64.b64encode(v["qvec"]).decode()
                vectors[v["id"]] = entry
        search = {
            s["id"]: s.get("search_text") for s in store.get([r["id"] for r in chunk], ["id", "search_text"])
        }
        for r in chunk:
            memory = {c: _plain(r.get(c)) for c in RECORD_COLUMNS} | vectors.get(r["id"], {})
            memory["search_text"] = search.get(r["id"])
            yield json.dumps({"memory": memory}, ensure_ascii=False)
    seen: set[tuple[str, str, str]] = set()
    for start in range(0, len(ids), CHUNK):
        for link in store.links_of(ids[start : start + CHUNK]):
            key = (link["src"], link["dst"], link["relation"])
            if key not in seen:
                seen.add(key)
                yield json.dumps({"link": {k: _plain(v) for k, v in link.items()}})


def _time(value: Any, field: str, n: int) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidInputError(
            f"line {n}: {field} {value!r} is not a time",
            hint="Times are ISO 8601, as memd export writes them.",
        ) from None


def _memory(raw: Any, n: int, dim: int) -> Row:
    if not isinstance(raw, dict):
        raise InvalidInputError(f"line {n}: 'memory' must be an object")
    for field in ("id", "text", "kind", "project", "created_at", "content_hash"):
        if not raw.get(field) or not isinstance(raw[field], str):
            raise InvalidInputError(
                f"line {n}: the memory has no {field}", hint="Is this a memd export file?"
            )
    if raw["kind"] not in _KINDS:
        raise InvalidInputError(f"line {n}: unknown kind {raw['kind']!r}", hint=f"One of {sorted(_KINDS)}.")
    if raw.get("tier") not in _TIERS | {None}:
        raise InvalidInputError(f"line {n}: unknown tier {raw['tier']!r}")
    row: Row = {c: raw.get(c) for c in RECORD_COLUMNS}
    for c in TIME_COLUMNS:
        if c in row:
            row[c] = _time(row[c], c, n)
    row["updated_at"] = row["updated_at"] or row["created_at"]
    # A file written by hand may leave out what memd always sets.
    row["tier"] = row.get("tier") or Tier.ACTIVE.value
    row["pinned"] = bool(row.get("pinned"))
    row["recall_count"] = int(row.get("recall_count") or 0)
    row["importance"] = 0.5 if row.get("importance") is None else float(row["importance"])
    if row.get("stability") is None:
        row["stability"] = initial_stability(Kind(row["kind"]), row["importance"])
    row["source"] = row.get("source") or "import"
    row["tags"] = [str(t) for t in (row.get("tags") or [])]
    row["entities"] = [str(t) for t in (row.get("entities") or [])]
    text = redact(row["text"])
    if text != row["text"]:
        row["text"], row["content_hash"] = text, content_hash(text)
    row["tags"] = with_flags(row["tags"], text)
    vector = raw.get("vector")
    if vector is not None and (not isinstance(vector, list) or len(vector) != dim):
        vector = None  # another model's vector: embedded again
    row["vector"] = vector
    search = raw.get("search_text")
    row["search_text"] = redact(search) if isinstance(search, str) and search.startswith(text[:1]) else text
    row["qvec"] = (
        base64.b64decode(raw["qvec"]) if isinstance(raw.get("qvec"), str) and vector is None else None
    )
    return row


def parse(lines: Iterable[str], *, dim: int, model: str) -> tuple[list[Row], list[Row]]:
    """Every memory and link of an export, checked; raises on the first bad line."""
    memories: list[Row] = []
    links: list[Row] = []
    header: dict[str, Any] | None = None
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInputError(
                f"line {n}: not JSON ({exc.msg})", hint="Is this a memd export file?"
            ) from None
        if header is None:
            if not isinstance(obj, dict) or obj.get("format") != FORMAT:
                raise InvalidInputError(
                    f"line {n}: not a memd export (no header)",
                    hint="Create one with `memd export > file.jsonl`.",
                )
            if int(obj.get("version", 0)) > VERSION:
                raise InvalidInputError(
                    f"line {n}: export version {obj.get('version')} is newer than memd reads ({VERSION})",
                    hint="Upgrade memd to import it.",
                )
            header = obj
            if obj.get("model") != model:
                dim = -1  # vectors of another model are not used
            continue
        if isinstance(obj, dict) and "memory" in obj:
            memories.append(_memory(obj["memory"], n, dim))
        elif isinstance(obj, dict) and isinstance(obj.get("link"), dict):
            link = obj["link"]
            if not all(isinstance(link.get(k), str) for k in ("src", "dst", "relation")):
                raise InvalidInputError(f"line {n}: a link needs src, dst and relation")
            links.append({**link, "created_at": _time(link.get("created_at"), "created_at", n)})
        else:
            raise InvalidInputError(f"line {n}: neither a memory nor a link")
    if header is None:
        raise InvalidInputError("the file is empty", hint="Create one with `memd export > file.jsonl`.")
    return memories, links


def import_rows(
    store: Store,
    memories: list[Row],
    links: list[Row],
    embed_pending: Callable[[Sequence[str]], int],
) -> ImportResult:
    """Write what :func:`parse` read: new ids only, links whose ends exist."""
    result = ImportResult()
    with store.writing():
        ids = [m["id"] for m in memories]
        have = {
            r["id"]
            for start in range(0, len(ids), CHUNK)
            for r in store.get(ids[start : start + CHUNK], ["id"])
        }
        fresh = [m for m in memories if m["id"] not in have]
        result.skipped = len(memories) - len(fresh)
        for start in range(0, len(fresh), CHUNK):
            store.add(fresh[start : start + CHUNK])
        result.memories = len(fresh)
        known = have | {m["id"] for m in fresh}
        existing = (
            {(lk["src"], lk["dst"], lk["relation"]) for lk in store.links_of(sorted(known))}
            if known
            else set()
        )
        new_links = [
            lk
            for lk in links
            if lk["src"] in known
            and lk["dst"] in known
            and (lk["src"], lk["dst"], lk["relation"]) not in existing
        ]
        if new_links:
            store.add_links(new_links)
        result.links = len(new_links)
    missing = [m["id"] for m in fresh if m.get("vector") is None and m.get("qvec") is None]
    result.embedded = embed_pending(missing) if missing else 0
    return result
