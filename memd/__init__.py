"""memd: local-first long-term memory for coding agents.

>>> import memd
>>> mem = memd.open()                       # the default store; MEMD_HOME overrides
>>> mem.remember("Tests run with `pytest -n auto`", project="api", kind="procedural")
>>> [h.memory.text for h in mem.recall("how do I run the tests?", project="api")]
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from memd.errors import MemdError
from memd.records import ChannelScore, Hit, Kind, MemoryRecord, NewMemory, Stats, Tier

if TYPE_CHECKING:
    from memd.clock import Clock
    from memd.config import Settings
    from memd.embed import Embedder
    from memd.service import MemoryService

try:
    __version__ = version("memd")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0+src"

__all__ = [
    "ChannelScore",
    "Hit",
    "Kind",
    "Memory",
    "MemdError",
    "MemoryRecord",
    "NewMemory",
    "Stats",
    "Tier",
    "__version__",
    "open",
    "open_with",
]


def open(  # noqa: A001 - `memd.open` mirrors the builtin on purpose
    home: str | Path | None = None,
    *,
    embedder: Embedder | None = None,
    clock: Clock | None = None,
    check_model: bool = True,
    **settings: Any,
) -> MemoryService:
    """Open (creating if needed) the memory store at ``home``.

    ``home`` defaults to ``$MEMD_HOME`` or the platform's user data dir. Keyword
    settings override ``config.toml`` and ``MEMD_*`` (see ``memd config show``).
    """
    from memd.config import load_settings

    return open_with(
        load_settings(home, **settings), embedder=embedder, clock=clock, check_model=check_model
    )


def open_with(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    clock: Clock | None = None,
    check_model: bool = True,
    lazy_model: bool = True,
) -> MemoryService:
    """The composition root: build every part from ``settings`` and wire them.

    With ``lazy_model`` (the default) a bundled model loads on first use.
    """
    from memd import spool
    from memd.clock import SystemClock
    from memd.embed import build_embedder
    from memd.home import prepare_home
    from memd.retrieval import KeywordChannel, Retriever, SemanticChannel, VectorCache
    from memd.service import MemoryService
    from memd.store import LanceStore

    if settings.is_local:
        prepare_home(settings.home)
    else:
        settings.home.mkdir(parents=True, exist_ok=True, mode=0o700)
    embedder = embedder or build_embedder(settings, lazy=lazy_model)
    store = LanceStore(
        settings.store_location,
        lock_path=settings.home / "write.lock",
        embed_model=embedder.name,
        dim=embedder.dim,
        check_model=check_model,
    )
    retriever = Retriever(
        [KeywordChannel(store), SemanticChannel(VectorCache(store))],
        {"keyword": settings.keyword_weight, "semantic": settings.semantic_weight},
        method=settings.fusion,
    )
    service = MemoryService(
        store,
        embedder,
        retriever,
        clock or SystemClock(),
        home=str(settings.home),
        max_text_chars=settings.max_text_chars,
        default_project=settings.default_project,
        compact_every=settings.compact_every,
    )
    # Memories queued by hooks (which may not wait for the store) move in now.
    spool.drain(settings.home, service.remember_many)
    return service


def __getattr__(name: str) -> Any:
    # `memd.Memory` without importing LanceDB at `import memd` time.
    if name == "Memory":
        from memd.service import MemoryService

        return MemoryService
    raise AttributeError(name)
