"""Is the code a memory describes still the code it was? One anchor checked against the tree.

- **current**: the span hashes as it did (its lines may have shifted: the anchor follows);
- **moved**: the file was renamed (git's rename detection) or the symbol now lives in
  another file, found there by its name and body; the anchor is re-pointed;
- **changed**: the span's hash differs; the note says what changed (a short diff against
  the commit the anchor was seen at, where git has it);
- **deleted**: neither the file's new name nor the symbol can be found.

A moved anchor whose code also changed is reported changed, at its new place.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from memd.anchors import git
from memd.anchors.model import Anchor
from memd.anchors.symbols import FileView, SymbolCache, language_of, lines_hash, parse_symbols
from memd.anchors.symbols import Symbol as CodeSymbol

SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "__pycache__", "dist", "build", "target", ".tox"}
MAX_SCAN_FILES = 5_000


@dataclass(frozen=True)
class Verdict:
    anchor: Anchor  # the anchor as it should now be stored (re-pointed, state and note set)
    changed: bool  # whether anything of it differs from the anchor checked


class Checker:
    def __init__(self, cache: SymbolCache | None = None) -> None:
        self.cache = cache or SymbolCache()
        self._old_symbols: dict[bytes, list[CodeSymbol]] = {}

    def check(self, anchor: Anchor, now: datetime | None = None) -> Verdict:
        new = self._locate(anchor)
        if now is not None:
            new = new.model_copy(update={"checked_at": now})
        same = new.model_dump(exclude={"checked_at"}) == anchor.model_dump(exclude={"checked_at"})
        return Verdict(new, not same)

    def confirm(self, anchor: Anchor, now: datetime | None = None) -> Anchor:
        """Re-anchor to the code as it is now (a person said the memory still holds)."""
        located = self._locate(anchor)
        if located.state == "deleted":
            return located
        root = Path(located.root)
        view = self.cache.view(root / located.path)
        assert view is not None
        symbol = view.find(located.symbol) if located.symbol else None
        fresh = (
            symbol.body_hash if symbol else view.hash_lines(located.start, min(located.end, view.line_count))
        )
        return located.model_copy(
            update={
                "hash": fresh,
                "state": "current",
                "note": None,
                "commit": git.head(root),
                "checked_at": now,
            }
        )

    # -- where the code is now ----------------------------------------------------------

    def _locate(self, a: Anchor) -> Anchor:
        root = Path(a.root)
        view = self.cache.view(root / a.path)
        if view is not None:
            found = self._in_file(a, view)
            if found is not None:
                return found
        # The file is gone, or the symbol left it: follow a rename, then search by name.
        if a.commit:
            renamed = git.renames(str(root), a.commit, git.head(root) or "").get(a.path)
            if renamed:
                moved_view = self.cache.view(root / renamed)
                if moved_view is not None:
                    found = self._in_file(a.model_copy(update={"path": renamed}), moved_view, a.path)
                    if found is not None:
                        return self._mark_moved(found, a)
        if a.symbol:
            elsewhere = self._search(a)
            if elsewhere is not None:
                return elsewhere
        if view is not None and a.symbol:
            return a.model_copy(update={"state": "deleted", "note": f"{a.symbol} is no longer in {a.path}"})
        return a.model_copy(update={"state": "deleted", "note": f"{a.path} was deleted"})

    def _in_file(self, a: Anchor, view: FileView, origin: str | None = None) -> Anchor | None:
        if a.symbol:
            s = view.find(a.symbol)
            if s is None:
                return None
            return self._judge(a, s.start, s.end, s.body_hash, view, origin)
        lines = view.line_count
        if a.end <= lines and view.hash_lines(a.start, a.end) == a.hash:
            return self._judge(a, a.start, a.end, a.hash, view)
        # The same lines shifted up or down (code added above them)?
        height = a.end - a.start
        source = view.source
        for offset in range(1, lines + 1):
            for start in (a.start - offset, a.start + offset):
                if (
                    start >= 1
                    and start + height <= lines
                    and lines_hash(source, start, start + height) == a.hash
                ):
                    return self._judge(a, start, start + height, a.hash, view)
        end = min(a.end, lines)
        return self._judge(a, min(a.start, end), end, view.hash_lines(min(a.start, end), end), view, origin)

    def _judge(
        self, a: Anchor, start: int, end: int, now_hash: str, view: FileView, origin: str | None = None
    ) -> Anchor:
        """``origin``: the path the anchor had at its commit, where it moved since."""
        if now_hash == a.hash:
            state = "moved" if a.state == "moved" else "current"
            return a.model_copy(
                update={
                    "start": start,
                    "end": end,
                    "state": state,
                    "note": a.note if state == "moved" else None,
                    "seen": None,
                }
            )
        if a.state == "changed" and a.seen == now_hash and a.note:
            return a.model_copy(update={"start": start, "end": end})
        note = self._what_changed(a, view, start, end, origin or a.path)
        return a.model_copy(
            update={"start": start, "end": end, "state": "changed", "note": note, "seen": now_hash}
        )

    def _mark_moved(self, found: Anchor, old: Anchor) -> Anchor:
        """Re-pointed; seen at HEAD from now on, so a later change diffs against the new place."""
        where = f"{old.where} → {found.where}"
        found = found.model_copy(update={"commit": git.head(found.root) or found.commit})
        if found.state == "changed":
            return found.model_copy(update={"note": f"moved ({where}) and {found.note}"})
        return found.model_copy(update={"state": "moved", "note": f"moved: {where}"})

    def _search(self, a: Anchor) -> Anchor | None:
        """The symbol in another file of the same language: the same body first, else the
        only definition of that name."""
        root = Path(a.root)
        language = language_of(a.path)
        name = (a.symbol or "").rsplit(".", 1)[-1]
        same_name: list[tuple[str, CodeSymbol]] = []
        for rel in self._files(root, language):
            if rel == a.path:
                continue
            view = self.cache.view(root / rel)
            if view is None:
                continue
            for s in view.symbols:
                if s.name != name:
                    continue
                if s.body_hash == a.hash:
                    found = a.model_copy(
                        update={"path": rel, "start": s.start, "end": s.end, "symbol": s.qualname}
                    )
                    return self._mark_moved(found, a)
                same_name.append((rel, s))
        if len(same_name) == 1:
            rel, s = same_name[0]
            view = self.cache.view(root / rel)
            assert view is not None
            moved = a.model_copy(update={"path": rel, "symbol": s.qualname})
            return self._mark_moved(self._judge(moved, s.start, s.end, s.body_hash, view, a.path), a)
        return None

    def _files(self, root: Path, language: str | None) -> list[str]:
        listed = git.tracked_files(root)
        if listed is None:
            listed = []
            for p in root.rglob("*"):
                if len(listed) >= MAX_SCAN_FILES:
                    break
                if p.is_file() and not SKIP_DIRS.intersection(p.relative_to(root).parts):
                    listed.append(p.relative_to(root).as_posix())
        return [p for p in listed[:MAX_SCAN_FILES] if language_of(p) == language]

    def _what_changed(self, a: Anchor, view: FileView, start: int, end: int, origin: str) -> str:
        """A short diff summary: lines removed and added, the first of each shown."""
        now = view.source.splitlines()[start - 1 : end]
        before: list[str] | None = None
        if a.commit:
            old_source = git.show(str(a.root), a.commit, origin)
            if old_source is not None:
                before = self._old_span(a, old_source)
        if before is None:
            return f"{a.where} changed since it was remembered"
        removed = [
            line.strip()
            for line in difflib.unified_diff(before, now, lineterm="", n=0)
            if line.startswith("-") and not line.startswith("---") and line[1:].strip()
        ]
        added = [
            line.strip()
            for line in difflib.unified_diff(before, now, lineterm="", n=0)
            if line.startswith("+") and not line.startswith("+++") and line[1:].strip()
        ]
        parts = [f"{a.where} changed: -{len(removed)} +{len(added)} lines"]
        if removed:
            parts.append(f"was `{removed[0][1:].strip()[:80]}`")
        if added:
            parts.append(f"now `{added[0][1:].strip()[:80]}`")
        return ", ".join(parts)

    def _old_span(self, a: Anchor, old_source: str) -> list[str] | None:
        lines = old_source.splitlines()
        if a.symbol:
            language = language_of(a.path)
            parser = self.cache.parsers.get(language) if language else None
            if parser is None:
                return None
            key = hashlib.blake2b(old_source.encode(), digest_size=16).digest()
            symbols = self._old_symbols.get(key)
            if symbols is None:  # many anchors into one old file: parsed once
                symbols = parse_symbols(parser, old_source.encode())
                self._old_symbols[key] = symbols
                if len(self._old_symbols) > 256:
                    self._old_symbols.pop(next(iter(self._old_symbols)))
            for s in symbols:
                if s.body_hash == a.hash:
                    return lines[s.start - 1 : s.end]
            return None
        span = lines[a.start - 1 : a.end]
        return span if lines_hash(old_source, a.start, a.end) == a.hash else None


_SHARED: Checker | None = None


def shared_checker() -> Checker:
    """One checker (and its parse cache) per process: the daemon's recalls, briefings and
    sweeps share what they parsed."""
    global _SHARED
    if _SHARED is None:
        _SHARED = Checker()
    return _SHARED


def annotate(records: list[Any]) -> list[Any]:
    """Records (``MemoryRecord``) with their anchors checked now, nothing written."""
    checker = shared_checker()
    out = []
    for r in records:
        if r.anchors:
            r = r.model_copy(update={"anchors": tuple(checker.check(a).anchor for a in r.anchors)})
        out.append(r)
    return out
