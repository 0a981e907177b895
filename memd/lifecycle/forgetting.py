"""Memory strength over time: Ebbinghaus forgetting with spaced reinforcement.

Retention R = exp(-dt / S): dt is the time since the memory was last reinforced
(stored, recalled or confirmed), S its stability in days. Each reinforcement
raises S, and more so when R had fallen low (the spacing effect: a recall that
was hard strengthens more than one right after learning). Pinned memories do not
decay. Nothing here deletes: low retention only moves a memory down the tiers,
and the lowest tier (archived) is restorable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from memd.records import Kind, Tier

# Days until retention falls to 1/e for a fresh memory of average importance.
# Facts, procedures and choices outlive the episodes they came from.
BASE_STABILITY_DAYS: dict[Kind, float] = {
    Kind.EPISODIC: 2.0,
    Kind.SEMANTIC: 30.0,
    Kind.PROCEDURAL: 30.0,
    Kind.PREFERENCE: 60.0,
    Kind.DECISION: 60.0,
}
SECONDS_PER_DAY = 86_400.0


def initial_stability(kind: Kind, importance: float) -> float:
    return BASE_STABILITY_DAYS[kind] * (0.5 + importance)


@dataclass(frozen=True)
class Policy:
    """The lifecycle's knobs, with defaults chosen to be explainable, not tuned."""

    retention_weight: float = 0.2  # share of the ranking score that retention can take away
    growth: float = 1.5  # stability gain of a reinforcement at retention 0
    base_gain: float = 0.1  # gain of a reinforcement at retention 1 (right after the last)
    warm_below: float = 0.5
    cold_below: float = 0.2
    archive_below: float = 0.02
    min_archive_age_days: float = 30.0


def retention(now: datetime, last: datetime, stability_days: float, pinned: bool) -> float:
    if pinned:
        return 1.0
    dt_days = max(0.0, (now - last).total_seconds() / SECONDS_PER_DAY)
    return math.exp(-dt_days / max(stability_days, 1e-6))


def reinforced(stability_days: float, r: float, policy: Policy, strength: float = 1.0) -> float:
    """New stability after a reinforcement at retention ``r`` (``strength`` 2 for a confirm)."""
    return stability_days * (1.0 + strength * (policy.base_gain + policy.growth * (1.0 - r)))


def ranking_weight(r: float, policy: Policy) -> float:
    return (1.0 - policy.retention_weight) + policy.retention_weight * r


def tier_for(r: float, pinned: bool, age_days: float, policy: Policy) -> Tier:
    if pinned or r >= policy.warm_below:
        return Tier.ACTIVE
    if r >= policy.cold_below:
        return Tier.WARM
    if r >= policy.archive_below or age_days < policy.min_archive_age_days:
        return Tier.COLD
    return Tier.ARCHIVED
