"""Local models beside the embedder, both optional: a small LLM through llama-cpp-python
(:mod:`~memd.inference.llm`: query expansion today) and a cross-encoder reranker on ONNX
Runtime (:mod:`~memd.inference.rerank`). Each selects the GPU when one is present."""
