"""`memd doctor` on real installs: what it reports, problems with their fix, nothing written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from llama_support import require_llama_cpp

import memd
from memd import doctor
from memd.config import load_settings
from memd.store.schema import SCHEMA_VERSION

pytestmark = pytest.mark.slow


def _by_name(checks: list[doctor.Check]) -> dict[str, doctor.Check]:
    return {f"{c.area}/{c.name}": c for c in checks}


def test_a_fresh_home_is_healthy_and_says_what_it_runs(home: Path):
    m = memd.open(home)
    m.remember("the deploy runs on fridays")
    m.close()
    before = sorted((p.relative_to(home), p.stat().st_mtime_ns) for p in home.rglob("*") if p.is_file())
    found = _by_name(doctor.run(load_settings(home)))
    assert not [c for c in found.values() if c.status == "problem"], found
    assert "CPUExecutionProvider" in found["embedding/onnx runtime"].detail
    assert "384 dims on cpu" in found["embedding/model"].detail
    assert "sha256" in found["embedding/model file"].detail
    assert (
        f"schema {SCHEMA_VERSION}" in found["store/store"].detail
        and "1 memories" in found["store/store"].detail
    )
    assert found["daemon/daemon"].status == "info" and found["daemon/daemon"].fix
    after = sorted((p.relative_to(home), p.stat().st_mtime_ns) for p in home.rglob("*") if p.is_file())
    assert after == before, "doctor wrote to the home"


def test_a_store_from_a_newer_memd_is_a_problem_with_its_fix(home: Path):
    m = memd.open(home)
    m.remember("written by a future memd")
    m.store._set_meta({"schema_version": str(SCHEMA_VERSION + 1)})
    m.close()
    store = _by_name(doctor.run(load_settings(home)))["store/store"]
    assert store.status == "problem" and str(SCHEMA_VERSION + 1) in store.detail and store.fix


def test_the_command_prints_json_and_exits_1_on_a_problem(home: Path):
    exe = str(Path(sys.executable).parent / "memd")
    env = {**os.environ, "MEMD_HOME": str(home), "MEMD_DEVICE": "cuda"}
    done = subprocess.run([exe, "doctor", "--json"], env=env, capture_output=True, text=True, timeout=180)
    checks = json.loads(done.stdout)
    assert {c["area"] for c in checks} >= {"python", "embedding", "llm", "store", "daemon", "agents"}
    problems = [c for c in checks if c["status"] == "problem"]
    if problems:  # no NVIDIA GPU here: device=cuda cannot be met, and doctor says how to fix it
        assert done.returncode == 1 and all(c["fix"] for c in problems)
        assert any("cuda" in (c["detail"] + (c["fix"] or "")).lower() for c in problems)
    else:  # a machine with a GPU and the CUDA provider
        assert done.returncode == 0
    assert "Traceback" not in done.stderr


def test_doctor_generates_with_the_model_in_a_worker_and_says_so(home: Path):
    require_llama_cpp()
    found = _by_name(doctor.run(load_settings(home), only=doctor.MODELS))
    assert set(found) == {
        "embedding/onnx runtime",
        "embedding/model file",
        "embedding/model",
        "llm/model file",
        "llm/generation",
    }
    assert found["llm/generation"].status == "ok", found["llm/generation"]
    assert (
        "tokens generated" in found["llm/generation"].detail
        and "worker process" in found["llm/generation"].detail
    )
    assert "child process" in found["embedding/model"].detail
    assert "llama_cpp" not in sys.modules  # llama.cpp never ran in this process


def test_a_broken_model_file_fails_the_generation_check_cleanly(home: Path, monkeypatch):
    require_llama_cpp()
    bad = home.parent / "broken.gguf"
    bad.write_bytes(b"GGUF" + os.urandom(4096))
    monkeypatch.setenv("MEMD_ASK_MODEL", str(bad))
    check = _by_name(doctor.run(load_settings(home), only=("llm",)))["llm/generation"]
    assert check.status == "problem" and "broken.gguf" in check.detail and check.fix


@pytest.mark.parametrize(("always", "words"), [("SEGV", "SIGSEGV"), ("HANG", "hung")])
def test_a_build_that_crashes_or_hangs_is_a_problem_with_its_fix(home: Path, monkeypatch, always, words):
    from memd import probe

    model = home.parent / "scripted.gguf"
    model.write_bytes(b"read by no one")
    monkeypatch.setenv("MEMD_ASK_MODEL", str(model))
    monkeypatch.setenv(
        "MEMD_LLM_WORKER", f"{sys.executable} {Path(__file__).with_name('fake_llm_worker.py')}"
    )
    monkeypatch.setenv("FAKE_LLM_ALWAYS", always)
    ok, detail, fix = probe.generate(load_settings(home), timeout_s=2)
    assert not ok and words in detail and "install.sh --force" in (fix or "")


def test_install_checks_the_models_with_doctor_models(home: Path):
    exe = str(Path(sys.executable).parent / "memd")
    env = {**os.environ, "MEMD_HOME": str(home)}
    done = subprocess.run(
        [exe, "doctor", "--models", "--json"], env=env, capture_output=True, text=True, timeout=300
    )
    assert {c["area"] for c in json.loads(done.stdout)} == {"embedding", "llm"}
    assert done.returncode == (1 if '"problem"' in done.stdout else 0)
    assert "--models" in Path(__file__).parents[1].joinpath("install.sh").read_text()
