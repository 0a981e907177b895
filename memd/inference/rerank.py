"""Optional cross-encoder reranking of the best fused candidates.

No cross-encoder ships its weights in a PyPI package we could find, so none is
bundled: point ``MEMD_RERANK_MODEL_PATH`` at an ONNX cross-encoder (e.g. an export
of ms-marco-MiniLM-L-6-v2) and ``MEMD_RERANK_TOKENIZER_PATH`` at its tokenizer.json.
It reads each (query, memory) pair together, which a bi-encoder cannot, at the
price of one model run per candidate; ``rerank_top`` bounds that price.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from memd.errors import ModelError

BATCH = 8
# Candidates read when rerank_top is unset: on 2 CPU cores a MiniLM-L6-sized
# cross-encoder takes ~10 ms a candidate (BENCHMARKS.md), on a GPU far less.
DEFAULT_TOP = {"cuda": 30, "cpu": 10}


def default_top(device: str) -> int:
    return DEFAULT_TOP.get(device, DEFAULT_TOP["cpu"])


class Reranker(Protocol):
    name: str
    device: str  # "cuda" or "cpu": what it costs per candidate differs 10-100x

    def score(self, query: str, texts: Sequence[str]) -> np.ndarray:
        """One relevance score per text, higher is better."""
        ...


class OnnxCrossEncoder:
    def __init__(
        self, model_path: Path, tokenizer_path: Path, *, max_tokens: int = 512, device: str = "auto"
    ) -> None:
        from memd.embedding import load_tokenizer, onnx_session

        for what, path in (("model", model_path), ("tokenizer", tokenizer_path)):
            if not Path(path).is_file():
                raise ModelError(
                    f"reranker {what} file not found: {path}",
                    hint="Fix MEMD_RERANK_MODEL_PATH / MEMD_RERANK_TOKENIZER_PATH, or unset them.",
                )
        self._tok = load_tokenizer(tokenizer_path, max_tokens)
        self._session, self.device = onnx_session(model_path, device)
        self._inputs = {i.name for i in self._session.get_inputs()}
        self.name = f"cross-encoder:{Path(model_path).name}"

    def score(self, query: str, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros(0, dtype=np.float32)
        encodings = self._tok.encode_batch([(query, t) for t in texts])
        # Batches of pairs of like length: one batch pads every pair to the longest, and
        # on a 2-core CPU that doubled the cost of 30 LoCoMo pairs (535 -> 278 ms).
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        out = np.empty(len(encodings), dtype=np.float32)
        for start in range(0, len(order), BATCH):
            rows = order[start : start + BATCH]
            out[rows] = self._run([encodings[i] for i in rows])
        return out

    def _run(self, encodings: Sequence[Any]) -> np.ndarray:
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        for row, enc in enumerate(encodings):
            n = len(enc.ids)
            ids[row, :n], mask[row, :n], types[row, :n] = enc.ids, 1, enc.type_ids
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        out = np.asarray(self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0])
        out = out.reshape(len(encodings), -1)
        # One logit per pair, or two classes (irrelevant, relevant): take the relevant one.
        return out[:, -1].astype(np.float32)
