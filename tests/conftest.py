from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
# Slimmed models are cached per user: the tests (and the daemons they start) get a cache
# of their own, filled once per run.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="memd-test-cache-")

from fakes import HashEmbedder  # noqa: E402
from s3_support import s3  # noqa: E402, F401 - the S3-compatible server fixture of the team tests

import memd  # noqa: E402
from memd.clock import ManualClock  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test may touch the user's real memories."""
    home = tmp_path / "memd-home"
    monkeypatch.setenv("MEMD_HOME", str(home))
    for var in ("MEMD_EMBED_MODEL", "MEMD_EMBED_MODEL_PATH", "MEMD_DEVICE", "MEMD_STORE_URI", "MEMD_PROJECT"):
        monkeypatch.delenv(var, raising=False)
    # A hook run by a test must not leave a daemon behind; the tests that want one say so.
    monkeypatch.setenv("MEMD_HOOKS_START_DAEMON", "0")
    return home


@pytest.fixture
def home(_isolated_home: Path) -> Path:
    return _isolated_home


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def mem(home: Path, clock: ManualClock) -> Iterator[memd.Memory]:
    m = memd.open(home, embedder=HashEmbedder(), clock=clock)
    yield m
    m.close()


@pytest.fixture(scope="session")
def real_embedder():
    """The real bundled ONNX model, loaded once per test session."""
    from memd.config import load_settings
    from memd.embedding import build_embedder

    return build_embedder(load_settings(home="/nonexistent-unused", env={}))


@pytest.fixture
def real_mem(home: Path, real_embedder) -> Iterator[memd.Memory]:
    m = memd.open(home, embedder=real_embedder)
    yield m
    m.close()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """llama.cpp runs only in worker processes (memd.inference.worker): a build that crashes
    must cost a test its answer, not take the whole run down. A test that imported it here
    fails the run."""
    if "llama_cpp" in sys.modules:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        print("\nllama_cpp was imported in the test process: use WorkerLLM.", file=sys.stderr)
