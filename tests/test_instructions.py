"""memd.ingest.instructions: the agents' instruction files of a project are found where each
tool keeps them, and a real daemon keeps their sections current (edits, deletions)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_watch import wait_for

from memd.config import load_settings
from memd.daemon import control
from memd.daemon.client import connect
from memd.ingest.instructions import auto_memory_dir, candidates, find, folders, label_of


def project(tmp_path: Path) -> tuple[Path, Path]:
    root, user = tmp_path / "shop", tmp_path / "home"
    for rel, text in {
        "CLAUDE.md": "# Shop\n## Testing\nRun `make test-one T=<name>` for one test.\n",
        "AGENTS.md": "# Agents\nUse pnpm, never npm.\n",
        ".claude/rules/db.md": "# Database\nMigrations go in db/migrate, one per change.\n",
        ".cursor/rules/style.mdc": "---\nalwaysApply: true\n---\n# Style\nNamed exports only.\n",
        ".github/copilot-instructions.md": "# Copilot\nPR titles start with the ticket id.\n",
        "docs/other.md": "# Not an instruction file\n",
    }.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    (user / ".claude").mkdir(parents=True)
    (user / ".claude" / "CLAUDE.md").write_text("# Me\nAnswer in British English.\n", encoding="utf-8")
    memory = auto_memory_dir(root, user)
    memory.mkdir(parents=True)
    (memory / "MEMORY.md").write_text("# Notes\nThe staging deploy needs VPN access.\n", encoding="utf-8")
    return root, user


def test_every_tools_files_are_found_under_their_own_names(tmp_path: Path) -> None:
    root, user = project(tmp_path)
    labels = {f.label for f in find(root, user)}
    assert labels == {
        "CLAUDE.md",
        "AGENTS.md",
        ".claude/rules/db.md",
        ".cursor/rules/style.mdc",
        ".github/copilot-instructions.md",
        "~/.claude/CLAUDE.md",
        "auto-memory/MEMORY.md",
    }
    # A file not there now is still a candidate: its old sections are archived.
    assert "GEMINI.md" in {f.label for f in candidates(root, user)} - labels
    assert label_of(root / "docs" / "other.md", root, user) is None
    assert label_of(root / ".cursor" / "rules" / "style.mdc", root, user) == ".cursor/rules/style.mdc"
    assert auto_memory_dir(Path("/home/ana/my.shop"), user).name == "memory"
    assert auto_memory_dir(Path("/home/ana/my.shop"), user).parent.name == "-home-ana-my-shop"
    assert root / ".claude" / "rules" in folders(root, user)


@pytest.mark.slow
def test_a_daemon_keeps_the_instruction_files_current(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, user = project(tmp_path)
    monkeypatch.setenv("HOME", str(user))  # the daemon's ~ is the test's user home
    settings = load_settings(home)
    control.start(settings)
    client = connect(home)
    try:
        entry = client.call("watch_instructions", path=str(root), project="shop")
        assert entry["kind"] == "instructions"
        assert client.call("watch_instructions", path=str(root), project="shop") == entry  # idempotent

        def texts() -> str:
            return "\n".join(m.text for m in client.list(project="shop", limit=None))

        for said in ("make test-one", "pnpm", "db/migrate", "Named exports", "ticket id", "British", "VPN"):
            wait_for(lambda said=said: said in texts(), timeout=30)
        assert "Not an instruction file" not in texts()
        brief = client.context("shop", task="how do I run one test?").text
        assert "make test-one T=<name>" in brief
        # Without a task they are left to the agent, which loads its own files already.
        assert "make test-one" not in client.context("shop").text

        # An edit replaces that file's section; a deleted file's sections are archived.
        (root / ".cursor" / "rules" / "style.mdc").write_text(
            "# Style\nDefault exports only.\n", encoding="utf-8"
        )
        (root / ".github" / "copilot-instructions.md").unlink()
        wait_for(lambda: "Default exports" in texts() and "ticket id" not in texts(), timeout=30)
        assert "Named exports" not in texts()
        assert any(e["kind"] == "instructions" for e in client.call("watch_list"))
        # A file in a folder made since is found when a session starts there again.
        (root / ".github" / "instructions").mkdir()
        (root / ".github" / "instructions" / "api.instructions.md").write_text(
            "# API\nEvery endpoint returns problem+json errors.\n", encoding="utf-8"
        )
        client.call("watch_instructions", path=str(root), project="shop")
        wait_for(lambda: "problem+json" in texts(), timeout=30)
    finally:
        client.close()
        control.stop(settings)
