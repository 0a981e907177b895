"""The little of git that anchors need, through the ``git`` command (no network, read-only).

Outside a repository, or without git installed, each helper answers None / nothing and
anchors still work on the files themselves (hashes, symbols), without rename detection.
"""

from __future__ import annotations

import subprocess
from functools import lru_cache
from pathlib import Path

TIMEOUT_S = 10


def _git(root: Path | str, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            env={"GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C", "PATH": "/usr/bin:/bin:/usr/local/bin"},
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def repo_root(directory: Path | str) -> Path | None:
    out = _git(directory, "rev-parse", "--show-toplevel")
    return Path(out.strip()) if out else None


def head(root: Path | str) -> str | None:
    out = _git(root, "rev-parse", "HEAD")
    return out.strip() if out else None


@lru_cache(maxsize=256)
def renames(root: str, since: str, until: str) -> dict[str, str]:
    """Files git sees as renamed (``-M``, similarity ≥ 50 %) from ``since`` to ``until``
    (commits; cached, as two commits' diff never changes), plus uncommitted renames when
    ``until`` is the work tree (``""``)."""
    args = ["diff", "--name-status", "-M", "-z", since] + ([until] if until else [])
    out = _git(root, *args)
    if not out:
        return {}
    parts = out.split("\0")
    moved: dict[str, str] = {}
    i = 0
    while i < len(parts) - 1:
        status = parts[i]
        if status.startswith(("R", "C")) and i + 2 < len(parts):
            if status.startswith("R"):
                moved[parts[i + 1]] = parts[i + 2]
            i += 3
        else:
            i += 2
    return moved


@lru_cache(maxsize=256)
def show(root: str, commit: str, path: str) -> str | None:
    """The file as it was at ``commit`` (cached: a commit's files never change)."""
    return _git(root, "show", f"{commit}:{path}")


def tracked_files(root: Path | str) -> list[str] | None:
    out = _git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    return [p for p in out.split("\0") if p] if out is not None else None
