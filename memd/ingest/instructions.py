"""The instruction files coding agents read in a project, found where each tool keeps them.

Claude Code reads ``CLAUDE.md``, ``.claude/CLAUDE.md``, ``.claude/rules/*.md`` and
``CLAUDE.local.md`` in the project, ``~/.claude/CLAUDE.md`` and ``~/.claude/rules/*.md`` for
every project, and keeps its own notes (Auto Memory) in
``~/.claude/projects/<the project's path, sanitised>/memory/`` (``MEMORY.md`` and topic files).
Codex and others read ``AGENTS.md``, Gemini CLI ``GEMINI.md``, Cursor ``.cursorrules`` and
``.cursor/rules/*.mdc``, GitHub Copilot ``.github/copilot-instructions.md`` and
``.github/instructions/*.instructions.md``.

The daemon's watcher (memd.ingest.watch) keeps their sections in memory as they are now: an
edit replaces the sections that changed, a deleted file's sections are archived.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

PROJECT_FILES = (
    "CLAUDE.md",
    "CLAUDE.local.md",
    ".claude/CLAUDE.md",
    "AGENTS.md",
    "GEMINI.md",
    ".cursorrules",
    ".windsurfrules",
    ".github/copilot-instructions.md",
)
# (folder, file name ending): every such file directly in the folder.
PROJECT_FOLDERS = ((".claude/rules", ".md"), (".cursor/rules", ".mdc"), (".github/instructions", ".md"))
USER_FILES = (".claude/CLAUDE.md",)
USER_FOLDERS = ((".claude/rules", ".md"),)
AUTO_MEMORY = ".claude/projects"
# An instruction file larger than this is not an instruction file (a pasted log, a dump).
MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class Found:
    """One instruction file: where it is, and the name its sections are stored under
    (``CLAUDE.md``, ``.cursor/rules/db.mdc``, ``~/.claude/CLAUDE.md``, ``auto-memory/MEMORY.md``)."""

    path: Path
    label: str


def auto_memory_dir(root: Path, user_home: Path) -> Path:
    """Claude Code's Auto Memory folder of the project at ``root``: its path with every
    character other than a letter or digit turned into ``-`` (``/home/ana/shop`` ->
    ``-home-ana-shop``)."""
    return user_home / AUTO_MEMORY / re.sub(r"[^A-Za-z0-9]", "-", str(root)) / "memory"


def candidates(root: Path, user_home: Path | None = None) -> list[Found]:
    """Every place an instruction file of ``root`` may be, whether or not it exists now (a
    missing one's old sections are archived); the folders' files as they are now."""
    home = user_home if user_home is not None else Path.home()
    out = [Found(root / rel, rel) for rel in PROJECT_FILES]
    out += [Found(home / rel, f"~/{rel}") for rel in USER_FILES]
    for folder, ending in PROJECT_FOLDERS:
        out += [Found(p, f"{folder}/{p.name}") for p in _files(root / folder, ending)]
    for folder, ending in USER_FOLDERS:
        out += [Found(p, f"~/{folder}/{p.name}") for p in _files(home / folder, ending)]
    memory = auto_memory_dir(root, home)
    out += [Found(p, f"auto-memory/{p.name}") for p in _files(memory, ".md")]
    return out


def find(root: Path, user_home: Path | None = None) -> list[Found]:
    """The instruction files of the project at ``root`` that exist now."""
    return [f for f in candidates(root, user_home) if f.path.is_file()]


def folders(root: Path, user_home: Path | None = None) -> list[Path]:
    """The folders an instruction file of ``root`` can appear in (each watched alone, not
    what is under it: ``~/.claude`` also holds every session's transcript)."""
    home = user_home if user_home is not None else Path.home()
    out = {f.path.parent for f in candidates(root, home)}
    out |= {root / folder for folder, _ in PROJECT_FOLDERS} | {home / folder for folder, _ in USER_FOLDERS}
    out.add(auto_memory_dir(root, home))
    return sorted(out)


def label_of(path: Path, root: Path, user_home: Path | None = None) -> str | None:
    """The name ``path`` is stored under when it is an instruction file of ``root``; else None."""
    home = user_home if user_home is not None else Path.home()
    for rel in PROJECT_FILES:
        if path == root / rel:
            return rel
    for rel in USER_FILES:
        if path == home / rel:
            return f"~/{rel}"
    for folder, ending in PROJECT_FOLDERS:
        if path.parent == root / folder and path.name.endswith(ending):
            return f"{folder}/{path.name}"
    for folder, ending in USER_FOLDERS:
        if path.parent == home / folder and path.name.endswith(ending):
            return f"~/{folder}/{path.name}"
    if path.parent == auto_memory_dir(root, home) and path.suffix == ".md":
        return f"auto-memory/{path.name}"
    return None


def _files(folder: Path, ending: str) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.name.endswith(ending) and p.is_file())
    except OSError:  # no such folder (most projects), or not readable
        return []
