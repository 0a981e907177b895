"""The cross-encoder path on a real ONNX Runtime session.

No cross-encoder ships in a PyPI package, so the test builds a small one: its
logit counts how often one word appears in the memory's segment of the pair
(token_type_ids == 1). That is enough to check what memd does with a reranker —
pair tokenization, feeding, output handling, reordering, explanations.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import memd
from memd.embedding import BUNDLED
from memd.errors import ConfigError, ModelError

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper  # noqa: E402

TOKENIZER = BUNDLED["minilm-l6-int8"].tokenizer


def _word_counter(path: Path, token_id: int) -> Path:
    ids = helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["b", "t"])
    mask = helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["b", "t"])
    types = helper.make_tensor_value_info("token_type_ids", TensorProto.INT64, ["b", "t"])
    logits = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["b", 1])
    target = helper.make_tensor("target", TensorProto.INT64, [], [token_id])
    axes = helper.make_tensor("axes", TensorProto.INT64, [1], [1])
    nodes = [
        helper.make_node("Equal", ["input_ids", "target"], ["hit"]),
        helper.make_node("Cast", ["hit"], ["hit_f"], to=TensorProto.FLOAT),
        helper.make_node("Cast", ["token_type_ids"], ["second"], to=TensorProto.FLOAT),
        helper.make_node("Cast", ["attention_mask"], ["real"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["hit_f", "second"], ["in_memory"]),
        helper.make_node("Mul", ["in_memory", "real"], ["counted"]),
        helper.make_node("ReduceSum", ["counted", "axes"], ["logits"], keepdims=1),
    ]
    graph = helper.make_graph(nodes, "word_counter", [ids, mask, types], [logits], [target, axes])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


@pytest.fixture
def model(tmp_path: Path) -> Path:
    from tokenizers import Tokenizer

    zebra = Tokenizer.from_file(str(TOKENIZER)).token_to_id("zebra")
    return _word_counter(tmp_path / "ce.onnx", zebra)


def test_cross_encoder_scores_pairs(model):
    from memd.inference.rerank import OnnxCrossEncoder

    ce = OnnxCrossEncoder(model, TOKENIZER)
    scores = ce.score("zebra?", ["no stripes here", "a zebra, another zebra", "one zebra"])
    # The query's own "zebra" is segment 0 and does not count: pairs are read as pairs.
    assert np.allclose(scores, [0.0, 2.0, 1.0])


def test_many_pairs_of_mixed_length_keep_their_order(model):
    from memd.inference.rerank import BATCH, OnnxCrossEncoder

    ce = OnnxCrossEncoder(model, TOKENIZER)
    # Lengths and counts that differ, so that batching by length reorders the pairs.
    texts = [("zebra " * (i % 4)) + "filler words " * ((7 * i) % 11) for i in range(3 * BATCH + 1)]
    scores = ce.score("zebra?", texts)
    assert scores.tolist() == [float(i % 4) for i in range(len(texts))]


def test_recall_reranks_and_explains(home: Path, model, real_embedder):
    mem = memd.open(
        home, embedder=real_embedder, rerank_model_path=str(model), rerank_tokenizer_path=str(TOKENIZER)
    )
    texts = [
        "animals at the zoo: lions and tigers and animals at the zoo",
        "the zoo keeps a zebra",
        "animals at the zoo are fed at noon, animals at the zoo",
    ]
    ids = mem.remember_many([{"text": t, "project": "z"} for t in texts])
    hits = mem.recall("animals at the zoo", project="z", k=3)
    assert hits[0].id == ids[1]  # the only memory the cross-encoder likes
    assert hits[0].channels["rerank"].rank == 1 and "keyword" in hits[0].channels
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    mem.close()


def test_the_reranker_reads_fewer_candidates_on_a_cpu(home: Path, model):
    from memd.inference.rerank import default_top

    assert default_top("cuda") == 30 and default_top("cpu") == 10
    mem = memd.open(home, rerank_model_path=str(model), rerank_tokenizer_path=str(TOKENIZER), device="cpu")
    assert mem.recaller.options.reranker.device == "cpu" and mem.recaller.options.rerank_top == 10
    mem.close()
    mem = memd.open(
        home, rerank_model_path=str(model), rerank_tokenizer_path=str(TOKENIZER), device="cpu", rerank_top=25
    )
    assert mem.recaller.options.rerank_top == 25
    mem.close()


def test_reranker_settings_are_checked(home: Path, model):
    with pytest.raises(ConfigError, match="rerank_tokenizer_path"):
        memd.open(home, rerank_model_path=str(model))
    with pytest.raises(ModelError, match="not found"):
        memd.open(home, rerank_model_path="/nope.onnx", rerank_tokenizer_path=str(TOKENIZER))
