"""Turning files, transcripts and commits into memories (no model, no store: pure parsing)."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdx"}
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def slug(text: str) -> str:
    return re.sub(r"[^\w]+", "-", text.lower()).strip("-") or "section"


def markdown_sections(text: str, *, max_chars: int, split: bool = False) -> list[tuple[str, str]]:
    """(anchor, body) per heading section; text before the first heading is 'top'.

    The body starts with the heading path ("Setup > Tests") so a section read alone
    still says what it is about. Headings inside code fences are not headings. A section
    longer than ``max_chars`` is cut ("...") or, with ``split``, split at paragraph (else
    line) boundaries into pieces that each start with the heading path (anchors ``a``,
    ``a~2``, …), so nothing is lost.
    """
    sections: list[tuple[list[str], list[str]]] = [([], [])]
    path: list[str] = []
    in_fence = False
    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        m = None if in_fence else _HEADING.match(line)
        if m:
            level = len(m.group(1))
            path = path[: level - 1] + [m.group(2).strip()]
            sections.append((list(path), []))
        else:
            sections[-1][1].append(line)
    out: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    for heading_path, lines in sections:
        body = "\n".join(lines).strip()
        if not body and not heading_path:
            continue
        anchor = slug(heading_path[-1]) if heading_path else "top"
        seen[anchor] = seen.get(anchor, 0) + 1
        if seen[anchor] > 1:
            anchor = f"{anchor}-{seen[anchor]}"
        title = " > ".join(heading_path)
        full = f"{title}\n{body}".strip() if title else body
        if not body:  # a heading with nothing under it says nothing worth recalling
            continue
        if len(full) > max_chars and split:
            from memd.ingest.formats import pieces

            room = max(200, max_chars - len(title) - 1)
            for n, piece in enumerate(pieces(body, room), start=1):
                titled = f"{title}\n{piece}".strip() if title else piece
                out.append((anchor if n == 1 else f"{anchor}~{n}", titled))
            continue
        if len(full) > max_chars:
            full = full[: max_chars - 3].rstrip() + "..."
        out.append((anchor, full))
    return out


def looks_binary(path: Path) -> bool:
    with open(path, "rb") as fh:
        return b"\x00" in fh.read(8192)


def user_requests(
    path: Path, start_line: int = 0, max_lines: int | None = None
) -> Iterator[tuple[int, dict[str, Any], str]]:
    """(line number, entry, text) for each request the user typed in a Claude Code session
    file. Tool calls, tool results and meta lines are noise for memory and are skipped."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh):
            if max_lines is not None and n >= max_lines:
                break
            if n < start_line:
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            if not isinstance(entry, dict) or entry.get("type") != "user" or entry.get("isMeta"):
                continue
            content = (entry.get("message") or {}).get("content")
            if isinstance(content, list):
                content = " ".join(
                    p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text"
                )
            if not isinstance(content, str):
                continue
            text = " ".join(content.split())
            if text and not text.startswith("<") and not text.startswith("Caveat:"):
                yield n, entry, text


def claude_transcript_entries(path: Path, start_line: int = 0) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, memory item) for each user request in a Claude Code session file."""
    for n, entry, text in user_requests(path, start_line):
        if len(text) >= 8:
            session = str(entry.get("sessionId") or path.stem)
            yield (
                n,
                {
                    "text": f"User asked (Claude Code session {session[:8]}): {text[:2000]}",
                    "kind": "episodic",
                    "tags": ["claude-code", "request"],
                    "source": "watch",
                    "source_id": f"claude-code:{session}:{entry.get('uuid') or n}",
                    "created_at": entry.get("timestamp"),
                    "cwd": entry.get("cwd"),
                    "author": "user",
                },
            )


def git_commits(repo: Path, since: str | None, limit: int = 500) -> list[dict[str, Any]]:
    """New commits (oldest first) after ``since`` (a hash), as memory items."""
    rng = f"{since}..HEAD" if since else "HEAD"
    fmt = "%x1e%H%x1f%an%x1f%aI%x1f%s%x1f%b%x1f"
    try:
        out = subprocess.run(
            ["git", "-C", str(repo), "log", f"--max-count={limit}", f"--format={fmt}", "--name-only", rng],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout
    except (subprocess.SubprocessError, OSError):
        return []
    items = []
    for record in out.split("\x1e")[1:]:
        parts = record.split("\x1f")
        if len(parts) < 6:
            continue
        sha, author, when, subject, body, files = parts[:6]
        names = [f for f in files.strip().splitlines() if f.strip()]
        text = f"Commit {sha[:10]} by {author}: {subject.strip()}"
        if body.strip():
            text += f"\n{body.strip()[:1500]}"
        if names:
            text += "\nFiles: " + ", ".join(names[:30]) + (" ..." if len(names) > 30 else "")
        items.append(
            {
                "text": text,
                "kind": "episodic",
                "tags": ["git", "commit"],
                "source": "watch",
                "source_id": f"git:{sha}",
                "created_at": datetime.fromisoformat(when).astimezone(UTC).isoformat(),
                "author": author.strip() or None,
                "sha": sha,
            }
        )
    items.reverse()
    return items


def git_head(repo: Path) -> str | None:
    try:
        return (
            subprocess.run(
                ["git", "-C", str(repo), "rev-parse", "HEAD"],
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            ).stdout.strip()
            or None
        )
    except (subprocess.SubprocessError, OSError):
        return None


def git_ignored(root: Path, paths: list[Path]) -> set[Path]:
    """Which of ``paths`` the repository's .gitignore rules exclude."""
    if not paths or not (root / ".git").exists():
        return set()
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "check-ignore", "--stdin", "-z"],
            input="\0".join(str(p) for p in paths),
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout
    except (subprocess.SubprocessError, OSError):
        return set()
    return {Path(p) for p in out.split("\0") if p}
