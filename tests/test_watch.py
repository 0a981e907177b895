"""File watching in a real daemon: docs, edits, deletions, git commits, transcripts."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from memd.config import load_settings
from memd.daemon import control
from memd.daemon.client import connect
from memd.ingest import markdown_sections

pytestmark = pytest.mark.slow


def test_markdown_sections():
    text = (
        "intro line\n# Setup\nrun make\n## Tests\n```\n# not a heading\npytest\n```\n"
        "## Tests\nagain\n# Empty\n"
    )
    sections = dict(markdown_sections(text, max_chars=1000))
    assert sections["top"] == "intro line"
    assert sections["setup"] == "Setup\nrun make"
    assert sections["tests"].startswith("Setup > Tests\n```") and "# not a heading" in sections["tests"]
    assert sections["tests-2"] == "Setup > Tests\nagain"
    assert "empty" not in sections


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def git(*args, cwd):
    subprocess.run(
        ["git", "-c", "user.name=Ada", "-c", "user.email=ada@x", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def daemon(home: Path):
    settings = load_settings(home)
    control.start(settings)
    client = connect(home)
    yield client
    client.close()
    control.stop(settings)


def texts(client, query, project):
    return [h.memory.text for h in client.recall(query, project=project, k=10)]


def test_watch_docs_git_and_edits(daemon, tmp_path: Path):
    repo = tmp_path / "repo"
    (repo / "docs").mkdir(parents=True)
    (repo / "node_modules").mkdir()
    (repo / "node_modules" / "junk.md").write_text("# Junk\nvendored text zzqx\n")
    (repo / "secret.md").write_text("# Private\nignored notes qqvv\n")
    (repo / ".gitignore").write_text("secret.md\n")
    (repo / "docs" / "blob.md").write_bytes(b"# Bin\n\x00\x01\x02")
    (repo / "CLAUDE.md").write_text(
        "# Conventions\nAlways use ruff for linting.\n\n# Testing\nRun pytest -n auto.\n"
    )
    git("init", "-q", cwd=repo)
    git("add", "CLAUDE.md", ".gitignore", cwd=repo)
    git("commit", "-q", "-m", "Add the agent guide", cwd=repo)

    entry = daemon.call("watch_add", path=str(repo), project="proj")
    assert entry["project"] == "proj"
    assert daemon.call("watch_list")[0]["path"] == str(repo.resolve())
    wait_for(lambda: any("ruff" in t for t in texts(daemon, "linting", "proj")))
    # The repository's history is read after its files: under load it lands a moment later.
    wait_for(
        lambda: any(
            "Commit" in t and "Add the agent guide" in t for t in texts(daemon, "agent guide commit", "proj")
        )
    )
    commit = daemon.recall("what did Ada commit about the agent guide?", project="proj", k=1)[0]
    assert commit.memory.author == "Ada" and "author" in commit.channels
    assert not any("zzqx" in t or "qqvv" in t for t in texts(daemon, "zzqx qqvv vendored ignored", "proj"))
    assert "blob.md" in daemon.status()["last_error"]

    # An edit supersedes the old section (how soon: benchmarks/daemon_bench.py, not a test).
    (repo / "CLAUDE.md").write_text(
        "# Conventions\nAlways use black for formatting.\n\n# Testing\nRun pytest -n auto.\n"
    )
    wait_for(lambda: any("black" in t for t in texts(daemon, "formatting black", "proj")), timeout=60)
    # The new version and the old one's retirement are one commit: never both found.
    assert not any("ruff" in t for t in texts(daemon, "ruff linting", "proj"))

    # A new commit is picked up.
    (repo / "app.py").write_text("print(1)\n")
    git("add", "app.py", cwd=repo)
    git("commit", "-q", "-m", "Introduce the payment retry loop", cwd=repo)
    wait_for(lambda: any("payment retry" in t for t in texts(daemon, "payment retry loop", "proj")))

    # Deleting the file archives its sections.
    (repo / "CLAUDE.md").unlink()
    wait_for(lambda: not any("pytest -n auto" in t for t in texts(daemon, "pytest", "proj")))
    daemon.call("watch_remove", path=str(repo))
    assert daemon.call("watch_list") == []


def test_watch_claude_transcripts(daemon, tmp_path: Path):
    projects = tmp_path / ".claude" / "projects" / "-work-app"
    projects.mkdir(parents=True)
    session = projects / "s1.jsonl"
    lines = [
        {
            "type": "user",
            "sessionId": "s1",
            "uuid": "u1",
            "cwd": str(tmp_path),
            "timestamp": "2026-05-01T10:00:00Z",
            "message": {"role": "user", "content": "Please migrate the billing service to Postgres 16"},
        },
        {
            "type": "assistant",
            "sessionId": "s1",
            "message": {"role": "assistant", "content": [{"type": "text", "text": "ok"}]},
        },
        {
            "type": "user",
            "sessionId": "s1",
            "uuid": "u2",
            "message": {"role": "user", "content": [{"type": "tool_result", "content": "npm noise"}]},
        },
    ]
    session.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    daemon.call("watch_add", path=str(tmp_path / ".claude" / "projects"))
    project = str(tmp_path.resolve())
    wait_for(
        lambda: any("billing service" in t for t in texts(daemon, "billing Postgres migration", project))
    )
    with open(session, "a") as fh:
        fh.write(
            json.dumps(
                {
                    "type": "user",
                    "sessionId": "s1",
                    "uuid": "u3",
                    "cwd": str(tmp_path),
                    "message": {"role": "user", "content": "Also add a rollback plan for billing"},
                }
            )
            + "\n"
        )
    wait_for(lambda: any("rollback plan" in t for t in texts(daemon, "rollback plan", project)))
    assert not any("npm noise" in t for t in texts(daemon, "npm noise", project))
