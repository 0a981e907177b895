import subprocess
from pathlib import Path

import pytest

from memd.project import normalise_remote, project_for


@pytest.mark.parametrize(
    "url",
    [
        "git@github.com:Org/Repo.git",
        "https://github.com/org/repo",
        "https://user:token@github.com/org/repo.git",
        "ssh://git@github.com/org/repo.git",
    ],
)
def test_remote_forms_name_one_project(url):
    assert normalise_remote(url) == "github.com/org/repo"


def git(*args, cwd):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_repo_subdirs_and_worktrees_are_one_project(tmp_path: Path):
    repo = tmp_path / "repo"
    (repo / "src" / "deep").mkdir(parents=True)
    git("init", "-q", cwd=repo)
    assert project_for(repo / "src" / "deep") == str(repo.resolve())  # no remote: the root
    git("remote", "add", "origin", "git@github.com:Org/Repo.git", cwd=repo)
    assert project_for(repo / "src") == "github.com/org/repo"
    git(
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@t",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "x",
        cwd=repo,
    )
    git("worktree", "add", "-q", str(tmp_path / "wt"), cwd=repo)
    assert project_for(tmp_path / "wt") == "github.com/org/repo"


def test_outside_git_the_directory_is_the_project(tmp_path: Path):
    assert project_for(tmp_path) == str(tmp_path.resolve())


def test_one_rule_picks_the_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from memd.project import resolve_project

    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    git("init", "-q", cwd=repo)
    git("remote", "add", "origin", "git@github.com:Acme/Shop.git", cwd=repo)
    env = {"MEMD_PROJECT": "  named  "}
    assert resolve_project(" flag ", cwd=repo, environ=env) == "flag"
    assert resolve_project(None, cwd=repo, environ=env) == "named"
    assert resolve_project("  ", cwd=repo / "src", environ={}) == "github.com/acme/shop"
    assert resolve_project(None, cwd=tmp_path, environ={}) == str(tmp_path.resolve())
    assert resolve_project(None, environ={}) == "default"
    assert resolve_project(None, environ={}, fallback="mine") == "mine"


def test_the_library_uses_the_rule_when_given_a_directory(tmp_path: Path, monkeypatch, home: Path):
    from fakes import HashEmbedder

    import memd

    repo = tmp_path / "repo"
    repo.mkdir()
    git("init", "-q", cwd=repo)
    m = memd.open(home, directory=repo, embedder=HashEmbedder())
    assert m.remember("in the repository").project == str(repo.resolve())
    assert "in the repository" in m.context().text
    m.close()
    m = memd.open(home, embedder=HashEmbedder())
    assert m.remember("no directory at all").project == "default"
    m.close()
    monkeypatch.setenv("MEMD_PROJECT", "named")
    m = memd.open(home, directory=repo, embedder=HashEmbedder())
    assert m.remember("named by the environment").project == "named"
    m.close()
