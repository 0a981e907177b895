"""Anchors made from what people write: ``--anchor`` specs and the code a memory's text names.

A spec is ``path``, ``path:START-END``, ``path:LINE``, ``path:SYMBOL`` or ``path::SYMBOL``
(``payments/client.py::Client.charge``), relative to the repository of the directory the
command runs in. A memory's text is read for file paths it names (``payments/client.py``,
``src/api/users.ts``) and for symbols named beside them (``payments/client.py::charge``,
"``charge()`` in payments/client.py"); each that exists in the tree becomes an anchor
marked ``auto``. Names alone, with no file, are not searched for: guessing which of five
``save`` functions a sentence means would anchor the memory to the wrong code.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from memd.anchors import git
from memd.anchors.model import MAX_ANCHORS, Anchor
from memd.anchors.symbols import EXTENSIONS, SymbolCache
from memd.errors import InvalidInputError

_EXT = "|".join(sorted((e.lstrip(".") for e in EXTENSIONS), key=len, reverse=True))
# A relative path with a directory or a code extension; then optionally ::symbol / :symbol.
MENTION = re.compile(
    rf"(?<![\w/.-])((?:[\w.-]+/)*[\w.-]+\.(?:{_EXT}))(?:(?:::|:|#)([A-Za-z_][\w.]*))?(?![\w/])"
)
CALLED = re.compile(r"`?([A-Za-z_][\w.]*)\(\)`?|`([A-Za-z_][\w.]*)`")
LINES = re.compile(r"^(\d+)(?:-(\d+))?$")


def project_root(directory: Path | str) -> Path:
    """The git repository holding ``directory``, else the directory itself."""
    d = Path(directory).resolve()
    return git.repo_root(d) or d


def anchor_at(
    root: Path,
    path: str,
    *,
    cache: SymbolCache,
    start: int | None = None,
    end: int | None = None,
    symbol: str | None = None,
    commit: str | None = None,
    auto: bool = False,
    now: datetime | None = None,
) -> Anchor:
    """An anchor to code as it is now; :class:`InvalidInputError` naming what is missing."""
    rel = _relative(root, path)
    view = cache.view(root / rel)
    if view is None:
        raise InvalidInputError(
            f"no file {rel} in {root}", hint="Give a path relative to the repository root."
        )
    if symbol:
        found = view.find(symbol)
        if found is None:
            known = ", ".join(s.qualname for s in view.symbols[:12]) or "none a parser reads"
            raise InvalidInputError(f"no symbol {symbol!r} in {rel}", hint=f"Symbols there: {known}.")
        return Anchor(
            root=str(root),
            path=rel,
            start=found.start,
            end=found.end,
            symbol=found.qualname,
            hash=found.body_hash,
            commit=commit,
            auto=auto,
            checked_at=now,
        )
    lines = view.line_count or 1
    first, last = start or 1, end or (start or lines)
    if not 1 <= first <= last <= lines:
        raise InvalidInputError(
            f"lines {first}-{last} are outside {rel} (1-{lines})", hint="Check the line numbers."
        )
    return Anchor(
        root=str(root),
        path=rel,
        start=first,
        end=last,
        hash=view.hash_lines(first, last),
        commit=commit,
        auto=auto,
        checked_at=now,
    )


def parse_spec(spec: str) -> tuple[str, int | None, int | None, str | None]:
    """``path[:START-END|:LINE|:SYMBOL|::SYMBOL]`` → (path, start, end, symbol)."""
    spec = spec.strip()
    if not spec:
        raise InvalidInputError("an empty anchor", hint="Use path, path:10-20 or path::symbol.")
    if "::" in spec:
        path, symbol = spec.split("::", 1)
        return path, None, None, symbol or None
    path, sep, rest = spec.rpartition(":")
    if not sep or not path:
        return spec, None, None, None
    m = LINES.match(rest)
    if m:
        start = int(m.group(1))
        return path, start, int(m.group(2)) if m.group(2) else start, None
    return path, None, None, rest


def from_specs(
    specs: list[str], directory: Path | str, cache: SymbolCache, now: datetime | None = None
) -> list[Anchor]:
    if len(specs) > MAX_ANCHORS:
        raise InvalidInputError(f"{len(specs)} anchors; at most {MAX_ANCHORS} per memory")
    root = project_root(directory)
    commit = git.head(root)
    out = []
    for spec in specs:
        path, start, end, symbol = parse_spec(spec)
        out.append(
            anchor_at(root, path, cache=cache, start=start, end=end, symbol=symbol, commit=commit, now=now)
        )
    return out


def mentioned(
    text: str, directory: Path | str, cache: SymbolCache, now: datetime | None = None
) -> list[Anchor]:
    """Anchors for the code files (and symbols beside them) the text names that exist."""
    root = project_root(directory)
    names = {a or b for a, b in CALLED.findall(text)}
    found: list[Anchor] = []
    commit: str | None = None
    for m in MENTION.finditer(text):
        path, symbol = m.group(1), m.group(2)
        try:
            rel = _relative(root, path)
        except InvalidInputError:
            continue
        view = cache.view(root / rel)
        if view is None:
            continue
        commit = commit or git.head(root) or ""
        wanted = [symbol] if symbol else [n for n in names if view.find(n) is not None]
        anchors = []
        for name in wanted[:5]:
            try:
                anchors.append(
                    anchor_at(root, rel, cache=cache, symbol=name, commit=commit or None, auto=True, now=now)
                )
            except InvalidInputError:
                continue
        if not anchors:
            anchors = [anchor_at(root, rel, cache=cache, commit=commit or None, auto=True, now=now)]
        for a in anchors:
            if not any(a.same_code(b) for b in found):
                found.append(a)
    return found[:MAX_ANCHORS]


def _relative(root: Path, path: str) -> str:
    p = Path(path)
    full = (p if p.is_absolute() else root / p).resolve()
    try:
        return full.relative_to(root.resolve()).as_posix()
    except ValueError:
        raise InvalidInputError(
            f"{path} is outside the repository {root}", hint="Anchor code inside the project."
        ) from None


def anchors_for(text: str, specs: list[str], directory: Path | str, *, auto: bool = True) -> list[Anchor]:
    """What an edge passes to ``remember``: the specs given, then (``auto``) the code files
    the text names, each once. A text naming no code file costs one regex."""
    cache = SymbolCache()
    anchors = from_specs(specs, directory, cache) if specs else []
    if auto and MENTION.search(text):
        anchors += [a for a in mentioned(text, directory, cache) if not any(a.same_code(b) for b in anchors)]
    return anchors[:MAX_ANCHORS]
