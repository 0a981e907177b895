"""The GPU paths against the CPU paths, side by side (run by benchmarks/gpu_check.sh).

- Embeddings: the same ONNX model on ONNX Runtime's CPU and CUDA providers, ``--texts``
  texts: every pair of vectors must have cosine >= 0.999, and ``--queries`` searches over
  them must find the same top hit (and nearly the same top 10). Texts a second both ways.
- llama.cpp: the same GGUF model (``--gguf``, default the bundled SmolLM2-135M) with no
  layers and all layers on the GPU, the same prompts, greedy: the replies compared, tokens a
  second both ways.

Without a GPU it says so and exits 0. ``--cpu-only`` runs both sides on the CPU (what the
test suite does to keep the comparison code honest on machines without one).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = (
    "deploy queue retry cache index schema token worker billing search auth webhook postgres redis "
    "migration timeout release branch review lint format test fixture logger config secret build"
).split()
PROMPTS = [
    "In one sentence, why do teams pin dependency versions?",
    "List three things a code review should check.",
    "What does a database migration do?",
]
COSINE_MIN = 0.999


def texts(n: int, seed: int = 5) -> list[str]:
    rng = random.Random(seed)
    return [
        f"the {' '.join(rng.sample(WORDS, 5))} note {i} says {rng.choice(WORDS)} matters" for i in range(n)
    ]


def compare_vectors(
    a: np.ndarray, b: np.ndarray, queries_a: np.ndarray, queries_b: np.ndarray
) -> dict[str, Any]:
    """Cosine between the two sides' vectors, and whether searches find the same hits."""
    cos = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    top_a = np.argsort(-(queries_a @ a.T), axis=1)[:, :10]
    top_b = np.argsort(-(queries_b @ b.T), axis=1)[:, :10]
    same_top1 = float(np.mean(top_a[:, 0] == top_b[:, 0]))
    overlap = float(np.mean([len(set(x) & set(y)) / 10 for x, y in zip(top_a, top_b, strict=True)]))
    return {
        "cosine_min": round(float(cos.min()), 6),
        "cosine_mean": round(float(cos.mean()), 6),
        "same_top1": same_top1,
        "top10_overlap": round(overlap, 3),
        "ok": bool(cos.min() >= COSINE_MIN and same_top1 == 1.0),
    }


def embedder(device: str, home: Path) -> Any:
    from memd.config import load_settings
    from memd.embedding import build_embedder

    # The same model file both ways: the CPU's int8 rewrite (embed_slim) is another model.
    return build_embedder(load_settings(home, device=device, embed_slim=False, env={}))


def embed_side(
    device: str, docs: list[str], queries: list[str], home: Path
) -> tuple[np.ndarray, np.ndarray, float, str]:
    emb = embedder(device, home)
    emb.embed(docs[:64])  # warm (CUDA kernels, allocations)
    t0 = time.perf_counter()
    vectors = emb.embed(docs)
    per_s = len(docs) / (time.perf_counter() - t0)
    q = np.stack([emb.embed_query(x) for x in queries])
    return vectors, q, per_s, emb.device


def check_embeddings(gpu: str, n: int, n_queries: int) -> dict[str, Any]:
    docs = texts(n)
    queries = [f"which note says {w} matters" for w in WORDS[:n_queries]]
    with tempfile.TemporaryDirectory() as tmp:
        a, qa, cpu_rate, cpu_device = embed_side("cpu", docs, queries, Path(tmp))
        b, qb, gpu_rate, gpu_device = embed_side(gpu, docs, queries, Path(tmp))
    return {
        **compare_vectors(a, b, qa, qb),
        "texts": n,
        "cpu": {"device": cpu_device, "texts_per_s": round(cpu_rate, 1)},
        "gpu": {"device": gpu_device, "texts_per_s": round(gpu_rate, 1)},
    }


def llm_side(path: Path, device: str, max_tokens: int) -> tuple[list[str], float, str]:
    from memd.inference.process import WorkerLLM

    llm = WorkerLLM(path, device=device, n_ctx=1024)  # llama.cpp in its worker process
    llm.complete("You are brief.", "Say OK.", max_tokens=4)  # load and warm
    replies, tokens, seconds = [], 0, 0.0
    for prompt in PROMPTS:
        t0 = time.perf_counter()
        replies.append(llm.complete("You are a helpful assistant.", prompt, max_tokens=max_tokens))
        seconds += time.perf_counter() - t0
        tokens += llm.last_usage.get("completion_tokens", 0)
    placed = llm.placed
    llm.unload()
    return replies, tokens / max(seconds, 1e-9), placed


def check_llm(gpu: str, gguf: Path | None, max_tokens: int) -> dict[str, Any]:
    from memd.inference.llm import bundled_model

    path = gguf or bundled_model()
    cpu, cpu_rate, cpu_placed = llm_side(path, "cpu", max_tokens)
    gpu_replies, gpu_rate, gpu_placed = llm_side(path, gpu, max_tokens)
    same = [x == y for x, y in zip(cpu, gpu_replies, strict=True)]
    prefix = [_common_words(x, y) for x, y in zip(cpu, gpu_replies, strict=True)]
    return {
        "model": path.name,
        "same_replies": sum(same),
        "replies": len(same),
        # Greedy decoding on other hardware may part ways after a near tie: how far they agree.
        "common_prefix_words": prefix,
        "cpu": {"placed": cpu_placed, "tokens_per_s": round(cpu_rate, 1)},
        "gpu": {"placed": gpu_placed, "tokens_per_s": round(gpu_rate, 1)},
        "ok": gpu_placed == ("gpu" if gpu == "cuda" else "cpu") and sum(same) >= len(same) - 1,
    }


def _common_words(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a.split(), b.split(), strict=False):
        if x != y:
            break
        n += 1
    return n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--texts", type=int, default=2000)
    ap.add_argument("--queries", type=int, default=20)
    ap.add_argument(
        "--gguf", type=Path, default=None, help="a GGUF model (default: the bundled SmolLM2-135M)"
    )
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument(
        "--cpu-only", action="store_true", help="compare the CPU path with itself (no GPU needed)"
    )
    args = ap.parse_args()
    from memd.embedding import gpu_present

    if not args.cpu_only and not gpu_present():
        print("gpu_check: no NVIDIA GPU is visible here; nothing to compare (memd runs on the CPU).")
        return 0
    gpu = "cpu" if args.cpu_only else "cuda"
    report = {
        "embeddings": check_embeddings(gpu, args.texts, args.queries),
        "llm": check_llm(gpu, args.gguf, args.max_tokens),
    }
    print(json.dumps(report, indent=2))
    e, llm = report["embeddings"], report["llm"]
    print(
        f"\nembeddings: cosine min {e['cosine_min']} (>= {COSINE_MIN}), same top hit {e['same_top1']:.0%}; "
        f"texts/s CPU {e['cpu']['texts_per_s']} vs {e['gpu']['device']} {e['gpu']['texts_per_s']}"
    )
    print(
        f"llama.cpp ({llm['model']}): {llm['same_replies']}/{llm['replies']} replies identical; "
        f"tokens/s CPU {llm['cpu']['tokens_per_s']} vs {llm['gpu']['placed']} {llm['gpu']['tokens_per_s']}"
    )
    return 0 if e["ok"] and llm["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
