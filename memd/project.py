"""Project identity: which project a directory belongs to.

A git repository is one project wherever you stand in it, worktrees included: its
name is the normalised URL of its ``origin`` remote (``github.com/org/repo``), or the
repository's root directory when it has no remote. Outside git, the directory itself.
"""

from __future__ import annotations

import configparser
import os
import re
from collections.abc import Mapping
from pathlib import Path


def _git_dir(root: Path) -> Path | None:
    dot_git = root / ".git"
    if dot_git.is_dir():
        return dot_git
    if dot_git.is_file():  # a worktree or submodule: "gitdir: <path>"
        text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
        if text.startswith("gitdir:"):
            gitdir = (root / text.split(":", 1)[1].strip()).resolve()
            common = gitdir / "commondir"
            if common.is_file():
                return (gitdir / common.read_text().strip()).resolve()
            return gitdir
    return None


def git_root(path: Path) -> Path | None:
    for candidate in [path, *path.parents]:
        if (candidate / ".git").exists():
            return candidate
    return None


def normalise_remote(url: str) -> str:
    """``git@github.com:Org/Repo.git`` and ``https://github.com/org/repo`` name one project."""
    url = url.strip()
    m = re.match(r"^[\w.-]+@([^:/]+):(.+)$", url)  # scp-like ssh
    if m:
        host, path = m.groups()
    else:
        m = re.match(r"^[a-z+]+://(?:[^@/]+@)?([^/:]+)(?::\d+)?/(.+)$", url, re.I)
        if not m:
            return url.rstrip("/").removesuffix(".git")
        host, path = m.groups()
    path = path.strip("/").removesuffix(".git")
    return f"{host.lower()}/{path.lower()}"


def origin_url(git_dir: Path) -> str | None:
    config = configparser.ConfigParser(strict=False, interpolation=None)
    try:
        config.read(git_dir / "config", encoding="utf-8")
    except (configparser.Error, OSError):
        return None
    remotes = [s for s in config.sections() if s.startswith('remote "')]
    preferred = 'remote "origin"' if 'remote "origin"' in remotes else (remotes[0] if remotes else None)
    return config.get(preferred, "url", fallback=None) if preferred else None


def project_for(path: str | Path) -> str:
    here = Path(path).expanduser().resolve()
    root = git_root(here)
    if root is None:
        return str(here)
    git_dir = _git_dir(root)
    url = origin_url(git_dir) if git_dir else None
    return normalise_remote(url) if url else str(root)


PROJECT_ENV = "MEMD_PROJECT"
FALLBACK_PROJECT = "default"


def resolve_project(
    explicit: str | None = None,
    *,
    cwd: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
    fallback: str = FALLBACK_PROJECT,
) -> str:
    """The one rule every entry point uses to pick a project.

    ``explicit`` (a ``--project`` flag, a tool argument), else ``$MEMD_PROJECT``, else
    the project of ``cwd`` (its git repository, else the directory), else ``fallback``:
    only a caller with no directory context at all (a library call) ends there. One rule
    matters because a memory written under one name and briefed under another never
    reaches the agent.
    """
    if explicit is not None and explicit.strip():
        return explicit.strip()
    env = os.environ if environ is None else environ
    named = env.get(PROJECT_ENV, "").strip()
    if named:
        return named
    if cwd is not None:
        try:
            return project_for(cwd)
        except OSError:  # a deleted working directory: fall through rather than fail
            pass
    return fallback
