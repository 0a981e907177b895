"""Memory strength over time. The lifecycle issue grows this; recall already calls it."""

from __future__ import annotations

from memd.records import Kind

# Days until retention falls to 1/e for a fresh memory of average importance.
# Facts, procedures and choices outlive the episodes they came from.
BASE_STABILITY_DAYS: dict[Kind, float] = {
    Kind.EPISODIC: 2.0,
    Kind.SEMANTIC: 30.0,
    Kind.PROCEDURAL: 30.0,
    Kind.PREFERENCE: 60.0,
    Kind.DECISION: 60.0,
}


def initial_stability(kind: Kind, importance: float) -> float:
    return BASE_STABILITY_DAYS[kind] * (0.5 + importance)
