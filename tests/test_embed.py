import numpy as np
import pytest

from memd.config import load_settings
from memd.embedding import CPU, CUDA, Embedder, build_embedder, select_providers
from memd.errors import ConfigError, ModelError


@pytest.mark.parametrize(
    ("device", "available", "gpu", "expected"),
    [
        ("auto", [CUDA, CPU], True, [CUDA, CPU]),
        ("auto", [CUDA, CPU], False, [CPU]),  # onnxruntime-gpu on a machine without a GPU
        ("auto", [CPU], True, [CPU]),  # GPU present but a CPU-only onnxruntime
        ("cpu", [CUDA, CPU], True, [CPU]),
        ("cuda", [CUDA, CPU], True, [CUDA, CPU]),
    ],
)
def test_provider_selection(device, available, gpu, expected):
    assert select_providers(device, available, gpu) == expected


def test_cuda_forced_without_gpu_is_a_clear_error():
    with pytest.raises(ModelError, match="no NVIDIA GPU"):
        select_providers("cuda", [CUDA, CPU], False)
    with pytest.raises(ModelError, match="no CUDA provider"):
        select_providers("cuda", [CPU], True)


def test_real_model_shape_and_norm(real_embedder):
    assert isinstance(real_embedder, Embedder)
    assert real_embedder.dim == 384
    assert real_embedder.device in {"cpu", "cuda"}
    vecs = real_embedder.embed(["hello world", "a much longer sentence about databases " * 20])
    assert vecs.shape == (2, 384) and vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert real_embedder.embed([]).shape == (0, 384)


def test_real_model_batch_equals_single(real_embedder):
    texts = ["short", "a medium length sentence here", "x " * 300]
    batch = real_embedder.embed(texts)
    for text, row in zip(texts, batch, strict=True):
        np.testing.assert_allclose(row, real_embedder.embed_query(text), atol=1e-4)


def test_real_model_puts_paraphrases_closer(real_embedder):
    a, b, c = real_embedder.embed(
        ["How do I run the unit tests?", "Execute the test suite with pytest", "We adopted a cat"]
    )
    assert a @ b > a @ c + 0.1


def test_custom_model_needs_a_tokenizer(tmp_path):
    s = load_settings(tmp_path, env={"MEMD_EMBED_MODEL_PATH": str(tmp_path / "m.onnx")})
    with pytest.raises(ConfigError, match="embed_tokenizer_path"):
        build_embedder(s)


def test_custom_model_missing_file(tmp_path):
    s = load_settings(
        tmp_path,
        env={
            "MEMD_EMBED_MODEL_PATH": str(tmp_path / "m.onnx"),
            "MEMD_EMBED_TOKENIZER_PATH": str(tmp_path / "t.json"),
        },
    )
    with pytest.raises(ModelError, match="not found"):
        build_embedder(s)


def test_unknown_bundled_model(tmp_path):
    s = load_settings(tmp_path, env={"MEMD_EMBED_MODEL": "gpt-17"})
    with pytest.raises(ConfigError, match="gpt-17"):
        build_embedder(s)


def test_custom_onnx_path_is_used(tmp_path, real_embedder):
    """A user's own ONNX file works: here the bundled file, given by path."""
    from memd.embedding import BUNDLED, package_file

    spec = BUNDLED["minilm-l6-int8"]
    s = load_settings(
        tmp_path,
        env={
            "MEMD_EMBED_MODEL_PATH": str(package_file(spec.package, spec.onnx_file)),
            "MEMD_EMBED_TOKENIZER_PATH": str(spec.tokenizer),
            "MEMD_DEVICE": "cpu",
        },
    )
    emb = build_embedder(s)
    assert emb.name == "custom:model.onnx"
    np.testing.assert_allclose(emb.embed_query("hi"), real_embedder.embed_query("hi"), atol=1e-4)


def test_sessions_return_batch_memory():
    """ONNX Runtime's arena would keep the peak of the largest batch resident for the
    life of the daemon (1.2 GB after 32 long texts)."""
    from memd.embedding import BUNDLED, onnx_session, package_file

    spec = BUNDLED["minilm-l6-int8"]
    session, device = onnx_session(package_file(spec.package, spec.onnx_file), "cpu")
    assert device == "cpu"
    assert session.get_session_options().enable_cpu_mem_arena is False


def _bundled():
    from memd.embedding import BUNDLED, package_file

    spec = BUNDLED["minilm-l6-int8"]
    return package_file(spec.package, spec.onnx_file), spec.tokenizer


def test_slimmed_model_agrees_with_the_original(tmp_path, real_embedder):
    """The rewrite keeps the embeddings exactly as the file's own graph makes them."""
    from memd.embedding import OnnxEmbedder
    from memd.embedding.slim import slimmed

    model, tokenizer = _bundled()
    slim = slimmed(model, tmp_path)
    assert slim != model and slim.parent == tmp_path
    plain = OnnxEmbedder(model, tokenizer, name="plain")
    fast = OnnxEmbedder(slim, tokenizer, name="slim")
    texts = ["the deploy uses make ship", "Caroline went to the LGBTQ support group", "x " * 200, "ok"]
    np.testing.assert_allclose(plain.embed(texts), fast.embed(texts), atol=1e-6)
    np.testing.assert_allclose(plain.embed_query("deploy?"), fast.embed_query("deploy?"), atol=1e-6)


def test_slimming_runs_once_and_is_reused(tmp_path, monkeypatch):
    import subprocess

    from memd.embedding.slim import slimmed

    model, _ = _bundled()
    first = slimmed(model, tmp_path)

    def no_child(*a, **k):
        raise AssertionError("rewrote a model that is cached")

    monkeypatch.setattr(subprocess, "run", no_child)
    assert slimmed(model, tmp_path) == first


def test_a_model_without_int8_weights_is_used_as_it_is(tmp_path):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    from memd.embedding.slim import slimmed

    w = numpy_helper.from_array(np.eye(4, dtype=np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])],
        "plain",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
        [w],
    )
    path = tmp_path / "plain.onnx"
    onnx.save(helper.make_model(graph), str(path))
    assert slimmed(path, tmp_path / "cache") == path
    assert list((tmp_path / "cache").glob("*.none"))  # remembered: not retried at every start


def test_slimming_is_for_cpu_and_can_be_turned_off(tmp_path, monkeypatch):
    import memd.embedding.onnx as embed

    model, _ = _bundled()
    settings = load_settings(tmp_path, env={}, cache_dir=tmp_path / "c")
    assert embed.runnable_model(model, settings) != model
    assert embed.runnable_model(model, settings.model_copy(update={"embed_slim": False})) == model
    monkeypatch.setattr(embed, "select_providers", lambda *a: [CUDA, CPU])
    assert embed.runnable_model(model, settings) == model


def test_a_slimmed_copy_that_cannot_load_falls_back(tmp_path, monkeypatch):
    import memd.embedding.onnx as embed

    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    monkeypatch.setattr(embed, "runnable_model", lambda path, settings: broken)
    e = build_embedder(load_settings(tmp_path, env={}, cache_dir=tmp_path / "c"))
    assert e.embed(["hello"]).shape == (1, 384)
