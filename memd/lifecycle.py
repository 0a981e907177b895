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
import re
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


# -- automatic supersession ---------------------------------------------------------------
# "tests run with pytest -x" -> "tests run with pytest -n auto": the same subject with a new
# value. The rule is deliberately narrow: a long shared opening (the subject) and a first
# difference that is a value (a number, a flag, a version, a code span) or follows a
# linking word. "we use Postgres for orders" vs "... for billing" is two facts, not one.
_LINKING = {
    "is",
    "are",
    "was",
    "were",
    "=",
    ":",
    "->",
    "to",
    "uses",
    "use",
    "using",
    "now",
    "via",
    "with",
    "at",
    "version",
    "set",
    "runs",
    "run",
}
_TOKEN = re.compile(r"`[^`]*`|\S+")


def _tokens(text: str) -> list[str]:
    return [t.strip(".,;!?()[]{}\"'").lower() for t in _TOKEN.findall(text)]


def _value_like(token: str) -> bool:
    return (
        any(c.isdigit() for c in token)
        or token.startswith("-")
        or token.startswith("`")
        or bool(re.fullmatch(r"[\w.-]+[./:@][\w./:@-]+", token))
    )


def update_overlap(old: str, new: str) -> int:
    """How many tokens ``new`` shares with ``old`` when it restates it with another
    value (0 when it does not): the best of several candidates shares the most.

    The texts must share a long opening (the subject) and differ in one stretch
    that holds no linking word: "host for orders1 is db-27" vs "host for gateway55
    is db-59" differ in "X is Y", two facts about two subjects, not one update. A
    change followed by the predicate ("orders1 is db-27" vs "orders61 is db-27")
    changes the subject, not the value.
    """
    a, b = _tokens(old), _tokens(new)
    if a == b or not a or not b:
        return 0
    shortest = min(len(a), len(b))
    p = 0
    while p < shortest and a[p] == b[p]:
        p += 1
    q = 0  # shared closing, not overlapping the opening
    while q < shortest - p and a[-1 - q] == b[-1 - q]:
        q += 1
    if p < 3 or p < 0.5 * shortest:
        return 0
    changed_old, changed_new = a[p : len(a) - q], b[p : len(b) - q]
    if not changed_new or not changed_old:
        return 0  # something was only added or removed: a refinement, not a new value
    if _LINKING & (set(changed_old) | set(changed_new)):
        return 0
    if q and _LINKING & set(a[len(a) - q :]) and not _LINKING & set(a[:p]):
        return 0  # the predicate comes after the change: the subject changed
    if _value_like(changed_old[0]) or _value_like(changed_new[0]) or a[p - 1] in _LINKING:
        return p + q
    return 0


def same_subject_new_value(old: str, new: str) -> bool:
    """True when ``new`` restates ``old`` with another value (see :func:`update_overlap`)."""
    return update_overlap(old, new) > 0
