"""The CLI through typer's runner (real model, real store) and once as an installed program."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from memd.retrieval import CHANNEL_NAMES

runner = CliRunner()


def run(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


def test_remember_recall_show_list_forget(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "remote", "add", "origin", "git@github.com:Acme/API.git"], cwd=repo, check=True)
    monkeypatch.chdir(repo / "src")
    # No --project: the repository's project, the one the briefing and the agent's tools use.
    r = run("remember", "Run the tests with pytest -n auto", "-k", "procedural")
    assert r.exit_code == 0 and "in project github.com/acme/api" in r.stdout
    r = run("remember", "Run the tests with pytest -n auto", "-k", "procedural", "--json")
    rec = json.loads(r.stdout)
    assert rec["project"] == "github.com/acme/api" and rec["kind"] == "procedural"
    assert "pytest -n auto" in run("context").stdout
    monkeypatch.setenv("MEMD_PROJECT", "named")
    assert json.loads(run("remember", "A note", "--json").stdout)["project"] == "named"
    assert json.loads(run("remember", "B note", "-p", "flag", "--json").stdout)["project"] == "flag"
    monkeypatch.delenv("MEMD_PROJECT")
    # Reads default to the same project; --all-projects widens them.
    assert {m["project"] for m in json.loads(run("list", "-A", "--json").stdout)} == {
        "github.com/acme/api",
        "named",
        "flag",
    }

    r = run("recall", "how do I run the tests", "--json")
    assert r.exit_code == 0
    hits = json.loads(r.stdout)
    assert hits[0]["memory"]["id"] == rec["id"]
    assert (
        set(hits[0]["channels"]) <= {*CHANNEL_NAMES, "author", "brevity", "rule", "provenance"}
        and hits[0]["channels"]
    )

    r = run("recall", "tests", "--explain")
    assert r.exit_code == 0 and "keyword" in r.stdout

    r = run("recall", "what is the capital of France?")
    assert r.exit_code == 0 and "No memories match in project github.com/acme/api" in r.stdout
    assert json.loads(run("recall", "note", "-p", "named", "--json").stdout)[0]["memory"]["text"] == "A note"
    assert json.loads(run("recall", "B note", "--json").stdout) == []
    assert json.loads(run("recall", "B note", "-A", "--json").stdout)[0]["memory"]["project"] == "flag"

    r = run("show", rec["id"][:8])
    assert r.exit_code == 0 and "pytest -n auto" in r.stdout

    r = run("list", "--json")
    assert [m["id"] for m in json.loads(r.stdout)] == [rec["id"]]

    r = run("forget", rec["id"])
    assert r.exit_code == 0 and "Archived" in r.stdout
    assert json.loads(run("recall", "tests", "--json").stdout) == []
    assert len(json.loads(run("recall", "tests", "--include-archived", "--json").stdout)) == 1


def test_remember_records_the_author(home: Path):
    r = run("remember", "We moved the cache to Redis", "--author", "  Dana   Scully ", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["author"] == "Dana Scully"
    r = run("recall", "what did Dana move?", "--json")
    assert json.loads(r.stdout)[0]["channels"]["author"]["score"] > 1
    r = run("remember", "x", "--author", "y" * 201)
    assert r.exit_code == 1 and "author" in r.stderr
    r = run("recall", "what did Dana move?", "--explain")
    assert r.exit_code == 0 and "author x1.20 (was #1)" in r.stdout


def test_remember_reads_stdin(home: Path):
    r = run("remember", "--json", input="piped memory about nginx timeouts\n")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["text"] == "piped memory about nginx timeouts"


def test_errors_exit_1_with_a_hint(home: Path):
    r = run("show", "0123456789abcdef")
    assert r.exit_code == 1
    assert "no memory has the id" in r.stderr and "memd list" in r.stderr
    r = run("remember", "   ")
    assert r.exit_code == 1 and "empty" in r.stderr
    r = run("remember", "x", "--kind", "gossip")
    assert r.exit_code == 1 and "episodic" in r.stderr
    r = run("recall", "x", "--since", "last tuesday-ish")
    assert r.exit_code == 1 and "ISO 8601" in r.stderr


def test_usage_errors_exit_2(home: Path):
    assert run("recall").exit_code == 2
    assert run("recall", "x", "--k", "0").exit_code == 2
    assert run("no-such-command").exit_code == 2


def test_purge_needs_confirmation(home: Path):
    rec = json.loads(run("remember", "to purge", "--json").stdout)
    r = run("forget", rec["id"], "--purge", input="n\n")
    assert r.exit_code != 0
    assert run("show", rec["id"]).exit_code == 0
    r = run("forget", rec["id"], "--purge", "--yes")
    assert r.exit_code == 0 and run("show", rec["id"]).exit_code == 1


def test_stats_config_version(home: Path):
    run("remember", "one", "-p", "a")
    s = json.loads(run("stats", "--json").stdout)
    assert s["total"] == 1 and s["by_project"] == {"a": 1} and s["embed_model"] == "minilm-l6-int8"
    c = json.loads(run("config", "show", "--json").stdout)
    assert c["home"] == str(home) and c["store_location"] == str(home / "store")
    v = json.loads(run("version", "--json").stdout)
    assert v["memd"]


def test_bad_home_is_a_clear_error(tmp_path: Path):
    foreign = tmp_path / "not-memd"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("x")
    r = run("--home", str(foreign), "list")
    assert r.exit_code == 1 and "holds no memd store" in r.stderr
    assert [p.name for p in foreign.iterdir()] == ["thesis.tex"]


def test_demo_uses_its_own_project_and_is_repeatable(home: Path):
    run("remember", "my real memory", "-p", "work")
    r = run("demo", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["project"] == "memd-demo" and out["stored"] == 10
    first = out["answers"][0]
    assert "pytest" in first["hits"][0]["memory"]["text"]
    assert all(h["memory"]["project"] == "memd-demo" for a in out["answers"] for h in a["hits"])
    learned = " ".join(out["learned"])
    assert "`h_`" in learned and "httpx" in learned and "with an underscore" not in learned  # replaced
    before = json.loads(run("stats", "--json").stdout)["by_project"]
    run("demo")
    after = json.loads(run("stats", "--json").stdout)["by_project"]
    assert after == before and after["memd-demo"] == 10 and after["work"] == 1


def test_every_command_has_help():
    commands = [
        "remember",
        "recall",
        "show",
        "list",
        "forget",
        "stats",
        "reindex",
        "demo",
        "version",
        "config show",
    ]
    for cmd in commands:
        r = run(*cmd.split(), "--help")
        assert r.exit_code == 0, cmd
        assert "Usage" in r.stdout and len(r.stdout) > 200, cmd


def _installed_memd() -> str | None:
    candidate = Path(sys.executable).parent / "memd"
    return str(candidate) if candidate.exists() else shutil.which("memd")


@pytest.mark.slow
def test_installed_program_end_to_end(home: Path):
    exe = _installed_memd()
    if exe is None:
        pytest.fail("the memd console script is not installed; run ./install.sh --dev")
    env = {**os.environ, "MEMD_HOME": str(home)}
    p = subprocess.run([exe, "demo"], env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "memd-demo" in p.stdout and "pytest" in p.stdout
    p = subprocess.run([exe, "show", "nope"], env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and "Error" in p.stderr


def test_memories_left_in_default_are_pointed_out_and_moved(home: Path, tmp_path: Path, monkeypatch):
    # What an earlier memd did with a memory written without --project.
    old = json.loads(run("remember", "Always run ruff before committing", "-p", "default", "--json").stdout)
    monkeypatch.chdir(tmp_path)
    here = str(tmp_path.resolve())
    r = run("context")
    assert "No memories for this project yet" in r.stdout and "memd move --from-project default" in r.stderr
    r = run("list")
    assert (
        "1 memory sits in the project 'default'" in r.stderr
        and "memd move --from-project default" in r.stderr
    )
    r = run("move", "--from-project", "default")
    assert r.exit_code == 0 and f"Moved 1 memories to project {here}" in r.stdout
    assert "ruff" in run("context").stdout
    assert json.loads(run("show", old["id"], "--json").stdout)["project"] == here
    assert "in the project 'default'" not in run("list").stderr
    r = run("move")
    assert r.exit_code == 1 and "nothing to move" in r.stderr


def test_ingest_learns_from_a_chat_and_distill_is_idempotent(home: Path, tmp_path: Path):
    chat = tmp_path / "chat.txt"
    chat.write_text(
        "Dana: before you start, tests run with `make test`.\n"
        "Assistant: Got it, I'll run make test.\n"
        "Dana: from now on prefix private helpers with an underscore\n"
        "Dana: actually, prefix private helpers with `h_` instead\n",
        encoding="utf-8",
    )
    r = run("ingest", str(chat), "-p", "shop", "--json")
    assert r.exit_code == 0, r.stdout
    out = json.loads(r.stdout)
    assert out == {
        "project": "shop",
        "turns": 4,
        "learned": 3,
        "files": [{"path": str(chat), "format": "text-chat", "lines": 4, "lines_kept": 4}],
    }
    brief = run("context", "-p", "shop").stdout
    assert "make test" in brief and "`h_`" in brief and "underscore" not in brief.split("## Recent")[0]
    again = json.loads(run("distill", "-p", "shop", "--json").stdout)
    assert again["stored"] == 0 and again["confirmed"] >= 2
    doc = tmp_path / "CLAUDE.md"
    doc.write_text("# Rules\n\n```ts\nmaxTokens: 100,\nflex: 1,\n```\nNote: the server is bidirectional.\n")
    r = run("ingest", str(doc), "-p", "docs")
    assert r.exit_code == 0 and "read as document, 6 of 6 lines kept" in r.stdout, r.stdout
    r = run("ingest", str(tmp_path / "missing.json"))
    assert r.exit_code == 1 and "is not a file" in r.stdout + r.stderr


def test_a_new_version_stays_in_the_old_ones_project_whatever_the_directory(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    a, b = tmp_path / "repo-a", tmp_path / "repo-b"
    for repo in (a, b):
        repo.mkdir()
        subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    monkeypatch.chdir(a)
    old = json.loads(run("remember", "Deploy from the release branch", "--json").stdout)
    monkeypatch.chdir(b)  # superseded from another repository: A keeps its memory
    new = json.loads(run("remember", "Deploy from main", "--supersedes", old["id"], "--json").stdout)
    assert new["project"] == old["project"] == str(a.resolve())
    monkeypatch.chdir(a)
    assert "Deploy from main" in run("context").stdout
    # Said outright, --project still wins.
    moved = json.loads(
        run("remember", "Deploy on Fridays", "--supersedes", new["id"], "-p", "elsewhere", "--json").stdout
    )
    assert moved["project"] == "elsewhere"
