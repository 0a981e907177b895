"""What the cross-encoder reranker adds to a recall's latency, without a trained reranker.

No cross-encoder ships its weights in a PyPI package, so this builds a stand-in of the
usual one's size: the bundled all-MiniLM-L6-v2 (int8), the same 6-layer, 384-wide BERT as
ms-marco-MiniLM-L-6-v2, with a linear head on the [CLS] vector. Its scores mean nothing;
its cost per (query, memory) pair is a real MiniLM-L6 cross-encoder's. Measured: a recall
on the LoCoMo dev turns (2,080 memories) with the reranker off, then on over the best
``max(k, rerank_top)`` candidates.

    python benchmarks/rerank_latency.py --top 10 20 30
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import memd
from memd.embedding import BUNDLED, package_file

sys.path.insert(0, str(Path(__file__).parent))
from locomo import DEFAULT_DATA, ingest  # noqa: E402


def stand_in(path: Path) -> Path:
    """The bundled MiniLM-L6 graph with a [CLS] -> one logit head."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    spec = BUNDLED["minilm-l6-int8"]
    model = onnx.load(str(package_file(spec.package, spec.onnx_file)))
    graph = model.graph
    hidden = graph.output[0].name
    rng = np.random.default_rng(0)
    graph.initializer.extend(
        [
            numpy_helper.from_array(np.array(0, dtype=np.int64), "cls_index"),
            numpy_helper.from_array(rng.standard_normal((384, 1)).astype(np.float32) / 20, "head_w"),
        ]
    )
    graph.node.extend(
        [
            helper.make_node("Gather", [hidden, "cls_index"], ["cls"], axis=1),
            helper.make_node("MatMul", ["cls", "head_w"], ["logits"]),
        ]
    )
    del graph.output[:]
    graph.output.append(helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 1]))
    onnx.save(model, str(path))
    return path


def timed_recalls(mem, questions: list[tuple[str, str]], k: int) -> dict[str, float]:
    for q, project in questions[:20]:  # warm up
        mem.recall(q, k=k, project=project)
    took = []
    for q, project in questions:
        t0 = time.perf_counter()
        mem.recall(q, k=k, project=project)
        took.append((time.perf_counter() - t0) * 1000)
    took.sort()
    return {"p50": round(statistics.median(took), 1), "p95": round(took[int(len(took) * 0.95)], 1)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="LoCoMo JSON file")
    ap.add_argument("--top", type=int, nargs="+", default=[10, 20, 30], help="rerank_top values to time")
    ap.add_argument("--questions", type=int, default=200, help="how many questions to time")
    ap.add_argument("--k", type=int, default=10, help="hits a recall asks for (reranked: max(k, top))")
    args = ap.parse_args()
    if not args.data.is_file():
        print(f"no data at {args.data}; pass --data PATH", file=sys.stderr)
        return 2
    samples = json.loads(args.data.read_text())
    questions = [(str(qa["question"]), s["sample_id"]) for s in samples for qa in s["qa"]][: args.questions]
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        mem = memd.open(home)
        ingest(mem, samples)
        mem.close()
        model = stand_in(Path(tmp) / "cross-encoder.onnx")
        report: dict[str, dict[str, float]] = {}
        mem = memd.open(home)
        report["off"] = timed_recalls(mem, questions, args.k)
        mem.close()
        for top in args.top:
            mem = memd.open(
                home,
                rerank_model_path=str(model),
                rerank_tokenizer_path=str(BUNDLED["minilm-l6-int8"].tokenizer),
                rerank_top=top,
            )
            report[f"rerank_top={top}"] = timed_recalls(mem, questions, args.k)
            mem.close()
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
