"""The optional local LLM: device selection, the real bundled GGUF, and query expansion."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import HashEmbedder

import memd
from memd.errors import ConfigError, ModelError
from memd.inference.llm import QueryExpander, bundled_model, gpu_layers


@pytest.mark.parametrize(
    ("device", "has_gpu", "can_offload", "layers"),
    [
        ("cpu", True, True, 0),
        ("auto", True, True, -1),
        ("auto", True, False, 0),  # a CPU-only build of llama-cpp-python
        ("auto", False, True, 0),
        ("cuda", True, True, -1),
    ],
)
def test_layers_go_to_the_gpu_only_when_one_is_usable(device, has_gpu, can_offload, layers):
    assert gpu_layers(device, has_gpu, can_offload) == layers


def test_asking_for_a_gpu_that_cannot_be_used_says_why():
    with pytest.raises(ModelError, match="no NVIDIA GPU"):
        gpu_layers("cuda", False, True)
    with pytest.raises(ModelError, match="without GPU support") as exc:
        gpu_layers("cuda", True, False)
    assert "MEMD_LLAMA_CUDA" in exc.value.hint
    with pytest.raises(ConfigError):
        gpu_layers("tpu", True, True)


class Scripted:
    name = "scripted"

    def __init__(self, reply: str | Exception) -> None:
        self.reply = reply
        self.calls = 0

    def complete(self, system: str, user: str, *, max_tokens: int) -> str:
        self.calls += 1
        if isinstance(self.reply, Exception):
            raise self.reply
        return self.reply


def test_expansions_are_cached_and_failures_leave_the_query_alone():
    llm = Scripted("  He does   kickboxing\n")
    ex = QueryExpander(llm, cache_size=1)
    assert ex.expand("what sport?") == "He does kickboxing"
    assert ex.expand("what sport?") == "He does kickboxing" and llm.calls == 1
    ex.expand("another question")  # evicts the first
    ex.expand("what sport?")
    assert llm.calls == 3
    assert QueryExpander(Scripted(RuntimeError("boom"))).expand("q") == ""


def test_bm25_searches_the_expansion_as_a_channel_of_its_own(home: Path):
    mem = memd.open(home, embedder=HashEmbedder(), query_expansion="keyword", device="cpu")
    kick = mem.remember("I'm doing kickboxing and it gives me energy", project="p")
    mem.remember("We went to the beach last weekend", project="p")
    mem.recaller.options.expander = QueryExpander(Scripted(""))
    assert all("expansion" not in h.channels for h in mem.recall("martial arts", project="p", k=1))
    mem.recaller.options.expander = QueryExpander(Scripted("He trains kickboxing."))
    hit = mem.recall("martial arts", project="p", k=1)[0]
    assert hit.id == kick.id and "expansion" in hit.channels and "keyword" not in hit.channels
    mem.close()


def test_the_bundled_model_answers(tmp_path: Path):
    from memd.inference.process import WorkerLLM

    llm = WorkerLLM(bundled_model(), device="cpu")  # llama.cpp in its worker, never in pytest
    try:
        reply = llm.complete(
            "Answer in a few words.", "What colour is the sky on a clear day?", max_tokens=12
        )
    finally:
        llm.close()
    assert reply and len(reply.split()) <= 16 and llm.placed == "not loaded"


def test_recall_with_expansion_on_uses_the_bundled_model(home: Path):
    mem = memd.open(home, embedder=HashEmbedder(), query_expansion="both", device="cpu")
    rec = mem.remember("The deploy script lives in ops/deploy.sh", project="p")
    assert mem.recall("where is the deploy script?", project="p", k=1)[0].id == rec.id
    assert mem.recaller.options.expander.expand("where is the deploy script?")  # the model wrote something
    mem.close()


def test_a_missing_model_file_is_a_clear_error(home: Path):
    with pytest.raises(ModelError, match="not found") as exc:
        memd.open(home, embedder=HashEmbedder(), query_expansion="keyword", llm_model_path="/nope.gguf")
    assert "MEMD_LLM_MODEL_PATH" in exc.value.hint
