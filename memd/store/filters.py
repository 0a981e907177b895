"""One description of "which memories", rendered for LanceDB and for in-memory arrays."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np


def sql_str(value: str) -> str:
    """A SQL string literal; quotes doubled so no value can change the query."""
    return "'" + value.replace("'", "''") + "'"


def sql_time(value: datetime) -> str:
    return f"CAST({sql_str(value.strftime('%Y-%m-%dT%H:%M:%S.%f'))} AS TIMESTAMP)"


@dataclass(frozen=True)
class Filter:
    projects: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    include_archived: bool = False
    include_superseded: bool = True
    ids: tuple[str, ...] = field(default=())
    anchored: bool = False  # only memories that name code (memd.anchors); SQL only

    def to_sql(self) -> str | None:
        parts: list[str] = []
        if self.projects:
            parts.append(f"project IN ({', '.join(sql_str(p) for p in self.projects)})")
        if self.kinds:
            parts.append(f"kind IN ({', '.join(sql_str(k) for k in self.kinds)})")
        if self.since is not None:
            parts.append(f"created_at >= {sql_time(self.since)}")
        if self.until is not None:
            parts.append(f"created_at < {sql_time(self.until)}")
        if not self.include_archived:
            parts.append("tier != 'archived'")
        if not self.include_superseded:
            parts.append("superseded_by IS NULL")
        if self.ids:
            parts.append(f"id IN ({', '.join(sql_str(i) for i in self.ids)})")
        if self.anchored:
            parts.append("anchors IS NOT NULL")
        return " AND ".join(parts) if parts else None

    def mask(
        self,
        *,
        project: np.ndarray,
        kind: np.ndarray,
        created_us: np.ndarray,
        archived: np.ndarray,
        superseded: np.ndarray,
        skip_projects: bool = False,
    ) -> np.ndarray | None:
        """A boolean mask over cached rows, or None when everything passes
        (``skip_projects``: the caller matches projects its own, faster way)."""
        conds: list[np.ndarray] = []
        if self.projects and not skip_projects:
            conds.append(np.isin(project, np.array(self.projects, dtype=object)))
        if self.kinds:
            conds.append(np.isin(kind, np.array(self.kinds, dtype=object)))
        if self.since is not None:
            conds.append(created_us >= _us(self.since))
        if self.until is not None:
            conds.append(created_us < _us(self.until))
        if not self.include_archived:
            conds.append(~archived)
        if not self.include_superseded:
            conds.append(~superseded)
        if not conds:
            return None
        out = conds[0]
        for cond in conds[1:]:
            out = out & cond
        return out


def _us(value: datetime) -> int:
    return int(value.timestamp() * 1_000_000)


def as_tuple(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)
