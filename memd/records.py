"""The data memd stores and returns."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from memd.anchors.model import Anchor, load_anchors


class Kind(StrEnum):
    """What sort of memory a record is; lifecycle and retrieval treat kinds differently."""

    EPISODIC = "episodic"  # something that happened: a session, a bug hunt, a conversation turn
    SEMANTIC = "semantic"  # a fact that stays true: "the API lives in services/api"
    PROCEDURAL = "procedural"  # how to do something: commands, steps
    PREFERENCE = "preference"  # how the user likes things done
    DECISION = "decision"  # a choice made, with its reason


def parse_kind(value: Kind | str | None, default: Kind = Kind.EPISODIC) -> Kind:
    """A caller's kind (any case, or none) as a :class:`Kind`, or a clear error."""
    from memd.errors import InvalidInputError

    if value is None or value == "":
        return default
    try:
        return Kind(str(value).strip().lower())
    except ValueError:
        raise InvalidInputError(
            f"unknown kind {value!r}",
            hint=f"Use one of: {', '.join(k.value for k in Kind)}.",
        ) from None


class Source(StrEnum):
    CLI = "cli"
    MCP = "mcp"
    API = "api"
    WATCH = "watch"
    IMPORT = "import"
    DEMO = "demo"
    CONSOLIDATION = "consolidation"


class Tier(StrEnum):
    ACTIVE = "active"
    WARM = "warm"
    COLD = "cold"
    ARCHIVED = "archived"


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


class MemoryRecord(BaseModel):
    """One stored memory, as callers see it (the vector stays inside the store)."""

    model_config = ConfigDict(frozen=True)

    id: str
    text: str
    kind: Kind
    project: str
    tags: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    source: str
    source_id: str | None = None
    created_at: datetime = Field(description="Event time: when it happened.")
    updated_at: datetime = Field(description="Record time: when memd last changed it.")
    last_recalled_at: datetime | None = None
    recall_count: int = 0
    importance: float = 0.5
    stability: float = 1.0
    pinned: bool = False
    tier: Tier = Tier.ACTIVE
    superseded_by: str | None = None
    content_hash: str
    recorded_at: datetime | None = Field(default=None, description="When memd first stored it.")
    valid_to: datetime | None = Field(default=None, description="When a newer memory replaced it.")
    author: str | None = Field(
        default=None, description="Who said or wrote it: a person, 'user', 'assistant', a commit's author."
    )
    anchors: tuple[Anchor, ...] = Field(default=(), description="The code it describes (memd.anchors).")

    @field_validator("anchors", mode="before")
    @classmethod
    def _anchors(cls, value: Any) -> tuple[Anchor, ...]:
        return load_anchors(value)

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> MemoryRecord:
        """A record from a store row (extra columns such as the vector are left out)."""
        names = _FIELD_NAMES.get(cls)
        if names is None:
            # Looked up once per class: pydantic's ``model_fields`` costs 11 µs a read, which
            # was half the time of listing 10,000 memories.
            names = _FIELD_NAMES[cls] = tuple(cls.model_fields)
        return cls(**{k: row[k] for k in names if k in row and row[k] is not None})


class NewMemory(BaseModel):
    """What a caller hands to ``remember_many``: the same fields ``remember`` takes."""

    model_config = ConfigDict(extra="forbid")

    text: str
    project: str | None = None
    kind: Kind | str | None = None
    tags: tuple[str, ...] = ()
    source: str | None = None
    source_id: str | None = None
    created_at: datetime | date | str | None = None
    importance: float | None = None
    pinned: bool = False
    author: str | None = None
    anchors: tuple[Anchor, ...] = ()

    @field_validator("anchors", mode="before")
    @classmethod
    def _anchors(cls, value: Any) -> tuple[Anchor, ...]:
        return load_anchors(value)


class ChannelScore(BaseModel):
    """How one retrieval channel scored a hit: its own raw score and its rank (1 = best)."""

    model_config = ConfigDict(frozen=True)

    score: float
    rank: int


class Hit(BaseModel):
    """A recalled memory, its fused score and which channels found it."""

    model_config = ConfigDict(frozen=True)

    memory: MemoryRecord
    score: float
    channels: dict[str, ChannelScore]

    @property
    def id(self) -> str:
        return self.memory.id

    @property
    def source_id(self) -> str | None:
        return self.memory.source_id


class Stats(BaseModel):
    home: str
    store: str
    schema_version: int
    embed_model: str
    embed_dim: int
    device: str
    total: int
    by_project: dict[str, int]
    by_kind: dict[str, int]
    by_tier: dict[str, int]


class LearnResult(BaseModel):
    """What a pass of the learner did."""

    model_config = ConfigDict(frozen=True)

    stored: int = Field(description="New distilled memories.")
    replaced: int = Field(description="Older versions they superseded.")
    confirmed: int = Field(description="Statements that restated a memory already current.")


class ImportResult(BaseModel):
    """What `memd import` did (see memd.portable)."""

    memories: int = 0  # added
    skipped: int = 0  # already in the store (same id)
    links: int = 0
    embedded: int = 0  # embedded again (no vector in the file, or another model's)


class CodeMatch(BaseModel):
    """A memory about code and why it answers (``anchored to payments/client.py::charge``,
    ``changed: …``): what ``memd stale`` and ``recall --file/--symbol`` return."""

    model_config = ConfigDict(frozen=True)

    memory: MemoryRecord
    why: str
