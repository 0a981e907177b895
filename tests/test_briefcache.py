"""Briefing snapshots: served while the store is unchanged, never after any write."""

from __future__ import annotations

import json
from pathlib import Path

from fakes import HashEmbedder

import memd
from memd import briefcache
from memd.hooks import default_backends, run_safely


def _brief(home: Path, cwd: Path) -> str:
    b = default_backends(home)
    b.start_daemon = None
    out = run_safely("session-start", json.dumps({"cwd": str(cwd)}), home=home, timeout=30, backends=b)
    return json.loads(out)["hookSpecificOutput"]["additionalContext"] if out else ""


def _remember_as_the_cli_does(home: Path, directory: Path, text: str) -> str:
    project = str(directory.resolve())
    m = memd.open(home, embedder=HashEmbedder())
    m.remember(text, project=project, kind="preference")
    m.close()  # closing compacts: the snapshot is taken after it
    briefcache.after_write(m, home, project)
    return project


def test_every_kind_of_write_changes_the_fingerprint(home: Path):
    m = memd.open(home, embedder=HashEmbedder())
    location = m.store.location
    rec = m.remember("Always run ruff before committing", project="p", kind="preference")
    steps = {
        "pin": lambda: m.pin(rec.id),
        "supersede": lambda: m.remember("Tests run with make test", project="p", supersedes=rec.id),
        "link": lambda: m.link(rec.id, m.list(project="p")[0].id),
        "compact": lambda: m.compact(),
        "forget": lambda: m.forget(rec.id),
        "move": lambda: m.move([rec.id], project="q"),
    }
    for name, step in steps.items():
        before = briefcache.fingerprint(location)
        step()
        assert briefcache.fingerprint(location) not in (None, before), name
    m.close()
    assert briefcache.fingerprint(str(home / "no-store")) is None
    assert briefcache.fingerprint("s3://bucket/prefix") is None


def test_a_snapshot_serves_until_the_store_changes(home: Path, tmp_path: Path):
    project = _remember_as_the_cli_does(home, tmp_path, "Always run ruff before committing")
    kept = briefcache.load(home, str(home / "store"), project)
    assert kept is not None and "ruff" in kept["text"]
    assert briefcache.load(home, str(home / "store"), "another/project") is None
    assert "ruff" in _brief(home, tmp_path)

    # A write that refreshes no snapshot (the Python API): the hook must not serve the old one.
    m = memd.open(home, embedder=HashEmbedder())
    m.remember("Never push to main on Fridays", project=project, kind="preference")
    m.close()
    assert briefcache.load(home, str(home / "store"), project) is None
    text = _brief(home, tmp_path)
    assert "Fridays" in text and "ruff" in text
    # The hook kept what it read: the next session start is served from the snapshot.
    assert "Fridays" in briefcache.load(home, str(home / "store"), project)["text"]


def test_a_damaged_snapshot_is_ignored(home: Path, tmp_path: Path):
    project = _remember_as_the_cli_does(home, tmp_path, "Always run ruff before committing")
    (snap,) = (home / briefcache.DIR_NAME).iterdir()
    snap.write_text("{torn")
    assert briefcache.load(home, str(home / "store"), project) is None
    assert "ruff" in _brief(home, tmp_path)
