"""Entity-graph channel: memories that name what the query names, and their neighbours.

Entities (names, identifiers, paths, URLs, commands...) are found at write time
without a model. A query's entities are matched against the known ones by word
n-grams, so "what did caroline say" finds memories tagged "Caroline". Each match
counts its inverse document frequency: a name on every memory says little. One
hop further, the entities that most often appear beside the query's pull in their
memories at a discount.
"""

from __future__ import annotations

import math
import re

import numpy as np

from memd.retrieval.base import Candidate, Query, Scale
from memd.retrieval.index import MemoryIndex, Snapshot
from memd.text import extract_entities

_WORD = re.compile(r"[\w.#/@+-]+", re.UNICODE)
NEIGHBOUR_DISCOUNT = 0.5
NEIGHBOURS_PER_ENTITY = 3
# An entity on more than this share of the memories in view is background, not a cue.
MAX_SHARE = 0.2


def query_grams(text: str) -> set[str]:
    """The query's words and runs of two or three words, lower-cased: what a name in it can be."""
    words = [w.strip(".,;:!?") for w in _WORD.findall(text)]
    return {" ".join(words[i : i + n]).lower() for n in (1, 2, 3) for i in range(len(words) - n + 1)}


def query_entities(text: str, known: dict[str, np.ndarray]) -> list[str]:
    grams = query_grams(text) | {e.lower() for e in extract_entities(text)}
    return sorted(g for g in grams if g in known)


class EntityChannel:
    name = "entity"
    stage = 1
    scale: Scale = "max"

    def __init__(self, index: MemoryIndex) -> None:
        self._index = index

    def search(self, query: Query, limit: int) -> list[Candidate]:
        index = query.view(self._index)
        if len(index) == 0:
            return []
        mask = query.mask(index)
        in_view = len(index) if mask is None else int(mask.sum())
        if in_view == 0:
            return []
        scores = np.zeros(len(index), dtype=np.float32)
        matched = query_entities(query.text, index.entity_rows)
        cues = []
        for entity in matched:
            rows = index.entity_rows[entity]
            if mask is not None:
                rows = rows[mask[rows]]
            if len(rows) == 0 or len(rows) > MAX_SHARE * in_view and in_view > 20:
                continue
            weight = math.log(1.0 + in_view / len(rows))
            scores[rows] += weight
            cues.append((entity, rows, weight))
        if not cues:
            return []
        for entity, rows, weight in cues:
            for other, strength in _co_occurring(index, entity, rows, set(matched)):
                near = index.entity_rows[other]
                if mask is not None:
                    near = near[mask[near]]
                if 0 < len(near) <= MAX_SHARE * in_view:
                    scores[near] += NEIGHBOUR_DISCOUNT * weight * strength
        # Ties are common (one shared name); the query's vector orders them.
        hit = np.flatnonzero(scores > 0)
        order = hit[np.lexsort((-query.scores(index)[hit], -scores[hit]))][:limit]
        return [Candidate(str(index.ids[i]), float(scores[i])) for i in order]


def _co_occurring(
    index: Snapshot, entity: str, rows: np.ndarray, exclude: set[str]
) -> list[tuple[str, float]]:
    counts = index.row_entities.counts(rows[:500])
    ranked = sorted(
        ((e, c) for e, c in counts.items() if c >= 2 and e != entity and e not in exclude),
        key=lambda ec: (-ec[1], ec[0]),  # ties by name: the same answer whatever the row order
    )
    total = max(1, min(len(rows), 500))
    # Share of the entity's memories that also name the other one, needing at least two.
    return [(e, c / total) for e, c in ranked[:NEIGHBOURS_PER_ENTITY]]
