"""What an anchor is: the piece of code a memory describes, as it was when remembered.

Stored with the memory (the ``anchors`` column, a JSON list) so that export, import,
supersession and the daemon's wire carry it like any other field.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from memd.errors import InvalidInputError

State = Literal["current", "moved", "changed", "deleted"]
MAX_ANCHORS = 20


class Anchor(BaseModel):
    """``root`` is the repository (or directory) the path is relative to; ``start``/``end``
    are 1-based inclusive lines; ``symbol`` the qualified name (``Client.charge``) when
    the anchor is a definition; ``hash`` the span's layout-blind hash when it was last
    confirmed; ``commit`` the HEAD it was seen at (None outside git). ``state`` and
    ``note`` are what the last check found ("changed: 3 lines differ, attempts = 3 → 5")."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    root: str
    path: str
    start: int = Field(ge=1)
    end: int = Field(ge=1)
    symbol: str | None = None
    hash: str
    commit: str | None = None
    state: State = "current"
    note: str | None = None
    # The span's hash when last checked: a changed anchor whose code has not changed again
    # keeps its note without asking git (a recall checks it every time).
    seen: str | None = None
    checked_at: datetime | None = None
    auto: bool = Field(default=False, description="Proposed from a path or symbol the text names.")

    @property
    def where(self) -> str:
        """``path::symbol`` or ``path:start-end``, as people write it."""
        return f"{self.path}::{self.symbol}" if self.symbol else f"{self.path}:{self.start}-{self.end}"

    @property
    def stale(self) -> bool:
        return self.state in ("changed", "deleted")

    def same_code(self, other: Anchor) -> bool:
        return (self.root, self.path, self.symbol or self.start) == (
            other.root,
            other.path,
            other.symbol or other.start,
        )


def outdated(anchors: tuple[Anchor, ...] | list[Anchor], limit: int = 300) -> str | None:
    """What changed in the code a memory describes ("…: was `x`, now `y`"), or None while
    it is current: the one wording recall, briefings, the CLI and MCP show."""
    notes = [a.note or a.where for a in anchors if a.stale]
    return "; ".join(notes)[:limit] if notes else None


def dump_anchors(anchors: tuple[Anchor, ...] | list[Anchor] | None) -> str | None:
    if not anchors:
        return None
    return json.dumps([a.model_dump(mode="json", exclude_none=True) for a in anchors], sort_keys=True)


def load_anchors(value: Any) -> tuple[Anchor, ...]:
    """From the stored JSON (or a list of dicts / anchors, as callers pass them)."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise InvalidInputError(f"anchors are not valid JSON: {exc}") from None
    if not isinstance(value, list | tuple):
        raise InvalidInputError(
            "anchors must be a list", hint="Pass a list of anchors, e.g. from `memd anchor`."
        )
    if len(value) > MAX_ANCHORS:
        raise InvalidInputError(f"{len(value)} anchors; at most {MAX_ANCHORS} per memory")
    out = []
    for item in value:
        out.append(item if isinstance(item, Anchor) else Anchor.model_validate(item))
    return tuple(out)
