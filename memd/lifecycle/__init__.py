"""A memory's life: how it fades and is reinforced (:mod:`~memd.lifecycle.forgetting`), when
a new statement replaces it (:mod:`~memd.lifecycle.supersession`), and how episodes become
knowledge (:mod:`~memd.lifecycle.consolidate`). The work itself, over a whole store, is
:mod:`memd.service.maintenance`."""

from memd.lifecycle.forgetting import (
    BASE_STABILITY_DAYS,
    Policy,
    initial_stability,
    ranking_weight,
    reinforced,
    retention,
    tier_for,
)
from memd.lifecycle.supersession import same_subject_new_value, update_overlap

__all__ = [
    "BASE_STABILITY_DAYS",
    "Policy",
    "initial_stability",
    "ranking_weight",
    "reinforced",
    "retention",
    "same_subject_new_value",
    "tier_for",
    "update_overlap",
]
