"""`memd model list` and `memd model pull` (memd.inference.models), against a stand-in for the
hub's file routes on 127.0.0.1 (tests/hub_support.py) — never the internet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hub_support import HubServer
from llama_support import require_llama_cpp

from memd.config import load_settings
from memd.errors import InvalidInputError, ModelError
from memd.inference.llm import bundled_model, choose_model
from memd.inference.models import installed, lookup, pull, sha256_of

REPO = "acme/tiny-GGUF"


def _memd(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    exe = str(Path(sys.executable).parent / "memd")
    full = {**os.environ, "MEMD_HOME": str(home), **env}
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=300, env=full)


def test_pull_records_the_checksum_and_the_model_is_chosen_by_name(home: Path) -> None:
    content = b"GGUF" + os.urandom(50_000)
    with HubServer({f"{REPO}/tiny-Q4_K_M.gguf": content}) as hub:
        done = _memd(home, "model", "pull", REPO, "tiny-Q4_K_M.gguf", "--use", "--json", HF_ENDPOINT=hub.url)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert Path(got["path"]).read_bytes() == content
    assert got["sha256"] == sha256_of(Path(got["path"])) and got["size_bytes"] == len(content)
    assert Path(got["path"]).is_relative_to(home / "models")
    settings = load_settings(home)
    assert settings.ask_model == "tiny-Q4_K_M.gguf"
    assert choose_model(settings, settings.ask_model) == Path(got["path"])
    assert lookup(home, f"{REPO}/tiny-Q4_K_M.gguf") == Path(got["path"])
    listed = json.loads(_memd(home, "model", "list", "--json").stdout)
    mine = next(m for m in listed if m["name"] == "tiny-Q4_K_M.gguf")
    assert mine["used_by"] == ["ask"] and mine["sha256"] == got["sha256"] and REPO in mine["source"]


def test_list_says_what_each_feature_uses(home: Path, monkeypatch) -> None:
    monkeypatch.setenv("MEMD_DISTILL_LLM", "true")
    monkeypatch.setenv("MEMD_CONSOLIDATE_LLM", "true")
    found = {m.name: m for m in installed(load_settings(home))}
    bundled = found[bundled_model().name]
    assert bundled.used_by == ["ask", "consolidation", "distillation"]
    assert bundled.size_bytes > 50e6 and bundled.sha256 and len(bundled.sha256) == 64


def test_a_damaged_download_is_refused_and_nothing_recorded(home: Path) -> None:
    hub = HubServer({f"{REPO}/tiny.gguf": b"GGUF" + os.urandom(10_000)}, corrupt=True)
    with hub, pytest.raises(ModelError, match="arrived damaged") as caught:
        pull(home, REPO, "tiny.gguf", endpoint=hub.url)
    assert "again" in caught.value.hint
    assert lookup(home, "tiny.gguf") is None
    assert not list((home / "models").rglob("tiny.gguf"))


def test_a_file_the_hub_does_not_have_is_a_clear_error(home: Path) -> None:
    with HubServer({}) as hub:
        done = _memd(home, "model", "pull", REPO, "nope.gguf", HF_ENDPOINT=hub.url)
    assert done.returncode == 1
    assert "nope.gguf" in done.stderr and "repository and file names" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("repo", "file"), [("not a repo", "x.gguf"), ("acme/x", "model.bin"), ("acme/x", "../../etc/x.gguf")]
)
def test_bad_names_are_refused_before_any_request(home: Path, repo: str, file: str) -> None:
    with HubServer({}) as hub:
        with pytest.raises(InvalidInputError):
            pull(home, repo, file, endpoint=hub.url)
        assert hub.requests == []


@pytest.mark.slow
def test_a_pulled_model_answers_through_the_worker(home: Path, monkeypatch) -> None:
    """The bundled GGUF served as if it were a hub model: pulled, chosen, and asked."""
    require_llama_cpp()
    from memd import probe

    source = bundled_model()
    with HubServer({f"{REPO}/{source.name}": source.read_bytes()}) as hub:
        model = pull(home, REPO, source.name, endpoint=hub.url)
    assert model.sha256 == sha256_of(source) and Path(model.path) != source
    monkeypatch.setenv("MEMD_ASK_MODEL", source.name)
    assert choose_model(load_settings(home), source.name) == Path(model.path)
    ok, detail, fix = probe.generate(load_settings(home))
    assert ok, (detail, fix)
    assert source.name in detail
