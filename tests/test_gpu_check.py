"""benchmarks/gpu_check.sh: on a machine without a GPU it says so and exits 0; its comparison
code, run CPU against CPU, passes (and would flag vectors that differ)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from llama_support import require_llama_cpp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import gpu_check  # noqa: E402


def test_without_a_gpu_the_script_says_so_and_exits_0():
    if shutil.which("nvidia-smi"):
        pytest.skip("this machine has nvidia-smi: the script would run the real check")
    out = subprocess.run(
        ["bash", str(ROOT / "benchmarks" / "gpu_check.sh")], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0 and "no NVIDIA GPU" in out.stdout


def test_the_comparison_flags_vectors_that_differ():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(50, 16)).astype(np.float32)
    q = rng.normal(size=(5, 16)).astype(np.float32)
    same = gpu_check.compare_vectors(a, a.copy(), q, q)
    assert same["ok"] and same["cosine_min"] > 0.9999 and same["same_top1"] == 1.0
    noisy = gpu_check.compare_vectors(a, a + rng.normal(scale=0.3, size=a.shape).astype(np.float32), q, q)
    assert not noisy["ok"] and noisy["cosine_min"] < 0.999


@pytest.mark.slow
def test_cpu_against_cpu_passes_end_to_end():
    require_llama_cpp()
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "gpu_check.py"),
            "--cpu-only",
            "--texts",
            "200",
            "--queries",
            "5",
            "--max-tokens",
            "12",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    report = json.loads(out.stdout[: out.stdout.rindex("}") + 1])
    assert report["embeddings"]["cosine_min"] >= 0.999 and report["llm"]["same_replies"] == 3
