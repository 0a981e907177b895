"""memd: local-first long-term memory for coding agents.

>>> import memd
>>> mem = memd.open()                       # the default store; MEMD_HOME overrides
>>> mem.remember("Tests run with `pytest -n auto`", project="api", kind="procedural")
>>> [h.memory.text for h in mem.recall("how do I run the tests?", project="api")]
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from memd.errors import MemdError

if TYPE_CHECKING:
    from memd.api import MemoryAPI
    from memd.clock import Clock
    from memd.config import Settings
    from memd.embedding import Embedder
    from memd.records import ChannelScore, Hit, Kind, MemoryRecord, NewMemory, Stats, Tier
    from memd.service import MemoryService

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
    "connect",
]


def open(  # noqa: A001 - `memd.open` mirrors the builtin on purpose
    home: str | Path | None = None,
    *,
    directory: str | Path | None = None,
    embedder: Embedder | None = None,
    clock: Clock | None = None,
    check_model: bool = True,
    **settings: Any,
) -> MemoryService:
    """Open (creating if needed) the memory store at ``home``.

    ``home`` defaults to ``$MEMD_HOME`` or the platform's user data dir. Keyword
    settings override ``config.toml`` and ``MEMD_*`` (see ``memd config show``).
    Calls that name no project use ``$MEMD_PROJECT``, else the project of ``directory``
    (its git repository, else the directory) when given, else ``default``: the rule
    the CLI, the MCP server and the hooks follow.
    """
    from memd.config import load_settings

    return open_with(
        load_settings(home, **settings),
        embedder=embedder,
        clock=clock,
        check_model=check_model,
        directory=directory,
    )


def open_with(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    clock: Clock | None = None,
    check_model: bool = True,
    lazy_model: bool = True,
    directory: str | Path | None = None,
    llm_runtime: Any = None,
) -> MemoryService:
    """The composition root: build every part from ``settings`` and wire them.

    With ``lazy_model`` (the default) a bundled model loads on first use. ``directory``
    names the project of calls that name none (see :func:`memd.project.resolve_project`).
    ``llm_runtime`` (memd.inference.runtime): the one the process already has, for the LLM
    work the settings turn on (``consolidate_llm``).
    """
    from memd.clock import SystemClock
    from memd.embedding import build_embedder
    from memd.home import MARKER, prepare_home
    from memd.ingest import spool
    from memd.lifecycle import Policy
    from memd.project import resolve_project
    from memd.retrieval import CHANNEL_NAMES, Authorship, Brevity, MemoryIndex, Retriever, build_channels
    from memd.retrieval.provenance import Provenance
    from memd.retrieval.relevance import RelevanceGate
    from memd.retrieval.rules import RuleQuestions
    from memd.service import MemoryService, RecallOptions, ServiceConfig, WriteRules
    from memd.store import LanceStore

    if settings.is_local:
        prepare_home(settings.home)
    else:  # the home of a store in a bucket holds only its lock and its outbox (spool)
        settings.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        (settings.home / MARKER).touch(exist_ok=True)
    if settings.blas_threads:
        # Several BLAS threads per matrix-vector product only fight LanceDB's search
        # threads and ONNX Runtime for two cores: one thread took recall at 100k memories
        # from 25 to 20 ms p50.
        from threadpoolctl import threadpool_limits

        threadpool_limits(settings.blas_threads, user_api="blas")
    embedder = embedder or build_embedder(settings, lazy=lazy_model)
    from memd.team.aws import storage_options

    store = LanceStore(
        settings.store_location,
        lock_path=settings.home / "write.lock",
        embed_model=embedder.name,
        dim=embedder.dim,
        check_model=check_model,
        cache_bytes=settings.lance_cache_mb << 20,
        storage_options=storage_options(settings.store_location),
    )
    reranker = None
    rerank_top = settings.rerank_top or 30
    if settings.rerank_model_path is not None:
        from memd.errors import ConfigError
        from memd.inference.rerank import OnnxCrossEncoder, default_top

        if settings.rerank_tokenizer_path is None:
            raise ConfigError(
                "rerank_model_path is set but rerank_tokenizer_path is not",
                hint="Set MEMD_RERANK_TOKENIZER_PATH to the cross-encoder's tokenizer.json.",
            )
        reranker = OnnxCrossEncoder(
            settings.rerank_model_path.expanduser(),
            settings.rerank_tokenizer_path.expanduser(),
            device=settings.device,
        )
        rerank_top = settings.rerank_top or default_top(reranker.device)
    expander = None
    if settings.query_expansion != "off":
        from memd.inference.llm import QueryExpander, choose_model
        from memd.inference.process import local_llm

        if llm_runtime is not None:  # the process's one model, queue and budget (the daemon's)
            expander = QueryExpander(llm_runtime.llm, runtime=llm_runtime)
        else:
            expander = QueryExpander(local_llm(settings, choose_model(settings, None)))
    index = MemoryIndex(store)
    retriever = Retriever(
        build_channels(
            store, index, expansion=expander is not None, floor_share=settings.semantic_floor_share
        ),
        {name: getattr(settings, f"{name}_weight") for name in CHANNEL_NAMES}
        | ({"expansion": settings.expansion_weight} if expander is not None else {}),
        method=settings.fusion,
        adaptive=settings.adaptive_fusion,
        authorship=Authorship(index),
        author_boost=settings.author_boost,
        brevity=Brevity(index),
        brevity_weight=settings.brevity_weight,
        gate=RelevanceGate(settings.min_cosine) if settings.relevance_gate else None,
        priors=(
            Provenance(index, settings.derived_turn_weight),
            RuleQuestions(index, settings.rule_boost, settings.rule_subject_boost),
        ),
    )
    config = ServiceConfig(
        home=str(settings.home),
        rules=WriteRules(
            max_text_chars=settings.max_text_chars,
            default_project=resolve_project(None, cwd=directory, fallback=settings.default_project),
            auto_supersede=settings.auto_supersede,
        ),
        policy=Policy(retention_weight=settings.retention_weight),
        recall=RecallOptions(
            reranker=reranker,
            rerank_top=rerank_top,
            expander=expander,
            expand_vector=settings.query_expansion == "both",
            co_recall=settings.co_recall_links,
        ),
        compact_every=settings.compact_every,
        distill=settings.distill,
        llm_reader=lambda: _llm_reader(settings),
        summarizer=_summarizer(settings, llm_runtime),
    )
    service = MemoryService.assemble(store, embedder, retriever, index, clock or SystemClock(), config)
    # Memories queued by hooks (which may not wait for the store) move in now.
    spool.drain(settings.home, service.remember_many)
    return service


def _summarizer(settings: Settings, runtime: Any) -> Any:
    """Consolidation's summarizer: the LLM's, checked, when ``consolidate_llm`` is on."""
    if not settings.consolidate_llm:
        return None
    from memd.inference.runtime import build_runtime
    from memd.lifecycle.abstractive import AbstractiveSummarizer

    return AbstractiveSummarizer(runtime or build_runtime(settings))


def _llm_reader(settings: Settings) -> Any:
    """The reader of LLM distillation: the rules, then the local model (loaded on first use)."""
    from memd.distill.llm import HybridDistiller, LlmReader
    from memd.inference.llm import distill_model
    from memd.inference.process import local_llm

    return HybridDistiller(LlmReader(local_llm(settings, distill_model(settings))))


def connect(settings: Settings, *, prefer_daemon: bool = True) -> MemoryAPI:
    """The MemoryAPI an entry point should use: the daemon's client when a daemon
    serves ``settings.home``, the in-process service otherwise. ``MEMD_NO_DAEMON=1``
    forces in-process."""
    import os

    local: MemoryAPI | None = None
    if prefer_daemon and os.environ.get("MEMD_NO_DAEMON") != "1" and settings.is_local:
        from memd.daemon.client import connect as connect_daemon

        client = connect_daemon(settings.home)
        if client is not None and settings.team_uri and client.info.get("team_uri") == settings.team_uri:
            # The daemon holds this team store too: its model, follower and outbox serve us.
            from memd.team.remote import DaemonTeamView

            return DaemonTeamView(client, settings.team_uri)
        local = client
    local = local or open_with(settings)
    if settings.team_uri:
        from memd.team.view import TeamView

        return TeamView(local, lambda: open_team(settings), settings.team_uri, outbox=settings.home / "team")
    return local


def open_team(settings: Settings, *, embedder: Embedder | None = None) -> MemoryAPI:
    """The team's shared store as a service of its own: its own lock and outbox (spool) under
    ``<home>/team``, the same embedding model (``embedder``: the personal store's, already
    loaded), no learning (what is shared was said on purpose). Opening it sends the shared
    writes queued while it was unreachable."""
    team_settings = settings.model_copy(
        update={
            "store_uri": settings.team_uri,
            "team_uri": None,
            "home": settings.home / "team",
            "distill": False,
            # Compaction rewrites the table and conflicts with every teammate's append: left to
            # maintenance (`memd maintain`) rather than run after every 32 writes on each machine.
            "compact_every": 1_000_000,
        }
    )
    return open_with(team_settings, embedder=embedder)


_RECORDS = frozenset({"ChannelScore", "Hit", "Kind", "MemoryRecord", "NewMemory", "Stats", "Tier"})


def __getattr__(name: str) -> Any:
    # Public names load on first use: `import memd.daemon` (the CLI's fast path)
    # must not pay for pydantic, and `memd.Memory` not for LanceDB.
    if name in _RECORDS:
        from memd import records

        return getattr(records, name)
    if name == "Memory":
        from memd.service import MemoryService

        return MemoryService
    if name == "__version__":
        # Looked up on demand: importlib.metadata costs 20 ms at every CLI start.
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("memd")
        except PackageNotFoundError:  # running from a source tree
            return "0.0.0+src"
    raise AttributeError(name)
