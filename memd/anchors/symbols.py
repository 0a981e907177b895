"""The symbols of a source file (functions, classes, methods, types), found with tree-sitter.

A real parser, not regexes: a ``def`` inside a string or a class spread over forty lines
is read the way the language reads it. Grammars come from the per-language PyPI wheels
(``tree-sitter-python``, ``-javascript``, ``-typescript``, ``-go``, ``-rust``), which carry
the compiled grammar inside; ``tree-sitter-language-pack`` 1.x fetches its grammars from
GitHub on first use, which memd must never do. A language whose wheel is missing has no
symbols: its anchors are line ranges, still hashed and checked.

Parses are cached per file (path, size, modification time), so checking anchors on every
recall costs a ``stat`` per anchored file, not a parse.
"""

from __future__ import annotations

import hashlib
import importlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# language -> (module, function returning the grammar pointer)
GRAMMARS: dict[str, tuple[str, str]] = {
    "python": ("tree_sitter_python", "language"),
    "javascript": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),
    "go": ("tree_sitter_go", "language"),
    "rust": ("tree_sitter_rust", "language"),
}
EXTENSIONS = {
    ".py": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".tsx": "tsx",
    ".go": "go",
    ".rs": "rust",
}
# Node types that define a named symbol, and the kind memd calls it.
DEFINITIONS = {
    "function_definition": "function",  # python
    "class_definition": "class",
    "function_declaration": "function",  # js/ts/go
    "generator_function_declaration": "function",
    "class_declaration": "class",
    "abstract_class_declaration": "class",
    "method_definition": "method",
    "interface_declaration": "type",
    "type_alias_declaration": "type",
    "enum_declaration": "type",
    "method_declaration": "method",  # go
    "type_spec": "type",
    "function_item": "function",  # rust
    "struct_item": "type",
    "enum_item": "type",
    "trait_item": "type",
    "impl_item": "impl",
}
# `const charge = () => …` / `const charge = function () {…}` name a function too.
VALUE_FUNCTIONS = {"arrow_function", "function_expression", "function"}
CACHE_FILES = 512


@dataclass(frozen=True)
class Symbol:
    """A named definition: ``qualname`` joins enclosing classes with dots (``Client.charge``);
    lines are 1-based and inclusive; ``body_hash`` hashes the definition's tokens
    (:func:`token_hash`), so moving, re-indenting or reformatting it keeps the hash and
    editing it does not."""

    name: str
    qualname: str
    kind: str
    start: int
    end: int
    body_hash: str


# What a definition means, not how it is written: its syntax tree hashed with comments,
# layout, quote style, grouping parentheses, trailing commas and the way a long string is
# split left out; names, literals, operators, docstrings and decorators kept. A formatter's
# run over a release (requests 2.28 adopted black) otherwise marked 70 % of the memories about
# it "may be outdated" (benchmarks/anchors.py, "meaning" truth).
_QUOTES = {'"', "'", "`", "string_end"}
_CLOSERS = {b")", b"]", b"}"}
_TRANSPARENT = {"parenthesized_expression"}  # its parent's node already says what it groups


def _string_value(node: Any) -> bytes | None:
    """A plain string's prefix and content ('x', "x" and '''x''' alike), or None when it
    holds more than text (an f-string's fields)."""
    parts: list[bytes] = []
    for c in node.children:
        if c.type == "string_start":
            parts.append((c.text or b"").rstrip(b"'\"").lower())
        elif c.type in ("string_content", "string_fragment", "escape_sequence"):
            parts.append(c.text or b"")
        elif c.type not in _QUOTES:
            return None
    return b"".join(parts)


def token_hash(node: Any) -> str:
    """A hash of a definition's syntax tree (see the comment above)."""
    tokens: list[bytes] = []
    stack: list[Any] = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, bytes):
            tokens.append(n)
            continue
        kind = n.type
        if kind == "comment" or (kind in _QUOTES and n.child_count == 0):
            continue
        if kind in ("string", "concatenated_string"):
            pieces = [n] if kind == "string" else [c for c in n.children if c.type == "string"]
            values = [_string_value(p) for p in pieces]
            if all(v is not None for v in values):
                tokens.append(b"str:" + b"".join(v for v in values if v is not None))
                continue
        if n.child_count == 0:
            tokens.append(n.text or b"")
            continue
        if kind in _TRANSPARENT:
            stack.extend(reversed([c for c in n.children if c.type not in ("(", ")")]))
            continue
        marker = kind.encode()
        stack.append(b"/" + marker)
        stack.extend(reversed(n.children))
        stack.append(marker + b"{")
    kept = [
        t
        for i, t in enumerate(tokens)
        if not (t == b"," and i + 1 < len(tokens) and tokens[i + 1] in _CLOSERS)
    ]
    return hashlib.blake2b(b"\x00".join(kept), digest_size=8).hexdigest()


def language_of(path: str | Path) -> str | None:
    return EXTENSIONS.get(Path(path).suffix.lower())


def span_hash(text: str) -> str:
    """A hash of code that ignores layout: the same tokens re-indented or re-wrapped hash
    alike (a formatter's run is not a change of meaning)."""
    return hashlib.blake2b(" ".join(text.split()).encode(), digest_size=8).hexdigest()


def lines_hash(source: str, start: int, end: int) -> str:
    return span_hash("\n".join(source.splitlines()[start - 1 : end]))


class Parsers:
    """One parser per language, loaded on first use; a missing grammar is remembered."""

    def __init__(self) -> None:
        self._parsers: dict[str, Any] = {}
        self._missing: set[str] = set()
        self._lock = threading.Lock()

    def get(self, language: str) -> Any | None:
        with self._lock:
            if language in self._parsers or language in self._missing:
                return self._parsers.get(language)
            try:
                import tree_sitter

                module, fn = GRAMMARS[language]
                grammar = getattr(importlib.import_module(module), fn)()
                self._parsers[language] = tree_sitter.Parser(tree_sitter.Language(grammar))
            except (ImportError, AttributeError, KeyError, ValueError):
                self._missing.add(language)
                return None
            return self._parsers[language]

    def available(self) -> list[str]:
        return [lang for lang in GRAMMARS if self.get(lang) is not None]


def _name_of(node: Any) -> str | None:
    name = node.child_by_field_name("name")
    if name is None and node.type == "impl_item":
        name = node.child_by_field_name("type")
    return name.text.decode("utf-8", "replace") if name is not None else None


def parse_symbols(parser: Any, source: bytes) -> list[Symbol]:
    """Every named definition in ``source``, outer ones before the ones they hold."""
    tree = parser.parse(source)
    found: list[Symbol] = []

    def visit(node: Any, outer: tuple[str, ...]) -> None:
        for child in node.named_children:
            kind = DEFINITIONS.get(child.type)
            name = _name_of(child) if kind else None
            if kind is None and child.type == "variable_declarator":
                value = child.child_by_field_name("value")
                if value is not None and value.type in VALUE_FUNCTIONS:
                    kind, name = "function", _name_of(child)
            if kind and name:
                if kind == "function" and outer:
                    kind = "method"
                # Decorators are part of what a definition does (@property, @retry(3)).
                whole = node if node.type == "decorated_definition" else child
                found.append(
                    Symbol(
                        name=name,
                        qualname=".".join((*outer, name)),
                        kind=kind,
                        start=whole.start_point[0] + 1,
                        end=whole.end_point[0] + 1,
                        body_hash=token_hash(whole),
                    )
                )
                inner = (*outer, name) if kind in {"class", "type", "impl"} else outer
                visit(child, inner)
            else:
                visit(child, outer)

    visit(tree.root_node, ())
    return found


@dataclass(frozen=True)
class FileView:
    """A file as read once: its text and symbols (empty where no grammar reads it)."""

    path: Path
    source: str
    symbols: tuple[Symbol, ...]

    def find(self, symbol: str) -> Symbol | None:
        """By qualified name first (``Client.charge``), else by a name only one symbol has."""
        for s in self.symbols:
            if s.qualname == symbol:
                return s
        named = [s for s in self.symbols if s.name == symbol.rsplit(".", 1)[-1]]
        return named[0] if len(named) == 1 else None

    def hash_lines(self, start: int, end: int) -> str:
        return lines_hash(self.source, start, end)

    @property
    def line_count(self) -> int:
        return len(self.source.splitlines())


class SymbolCache:
    """Files read and parsed, kept while their size and modification time stay the same."""

    def __init__(self, parsers: Parsers | None = None, size: int = CACHE_FILES) -> None:
        self.parsers = parsers or Parsers()
        self._size = size
        self._files: OrderedDict[Path, tuple[tuple[int, int], FileView]] = OrderedDict()
        self._lock = threading.Lock()
        self.parses = 0  # how many files were actually read and parsed (the benchmark counts)

    def view(self, path: Path) -> FileView | None:
        """The file's view, or None when it does not exist (or is not a readable file)."""
        try:
            st = path.stat()
        except OSError:
            return None
        key = (st.st_size, st.st_mtime_ns)
        with self._lock:
            hit = self._files.get(path)
            if hit is not None and hit[0] == key:
                self._files.move_to_end(path)
                return hit[1]
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        language = language_of(path)
        parser = self.parsers.get(language) if language else None
        symbols = tuple(parse_symbols(parser, raw)) if parser is not None else ()
        view = FileView(path, raw.decode("utf-8", "replace"), symbols)
        with self._lock:
            self.parses += 1
            self._files[path] = (key, view)
            while len(self._files) > self._size:
                self._files.popitem(last=False)
        return view
