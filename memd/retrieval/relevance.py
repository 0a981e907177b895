"""Relevance gate: a recall answers nothing rather than something unrelated.

Fusion ranks whatever the store holds, and the vector channel always has a closest
memory: asked "what is the capital of France?", a store of coding notes returned
three of them (cosines 0.06-0.08), and spreading activation added their session
neighbours. An agent that is handed an unrelated memory is worse off than one handed
none, so a hit must have evidence of its own:

- a word of the query (keyword), an entity it names, the time it asks about, or a
  word of the answer the local LLM expects (query expansion, when turned on); or
- a cosine (vectors, consolidated knowledge) above what unrelated texts reach with
  this model.

Spreading activation starts only from hits with evidence, and what it (or associative
recall) finds is kept beside them: a session's next turn, a linked fix. Where no hit
has evidence the recall is empty.

Cosine levels differ by model (MiniLM puts unrelated sentences near 0.05, e5 near
0.78), so the level is measured, not assumed: the 95th percentile of the cosines
between queries and passages that are unrelated to each other (``PROBES``), embedded
once per process by the model in use. ``min_cosine`` overrides it.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from memd.embedding import Embedder
from memd.retrieval.fusion import Fused

# Channels whose finding a memory is evidence by itself (expansion: a word of the answer
# the local LLM expects, when the user turned it on).
EVIDENCE = frozenset({"keyword", "entity", "temporal", "expansion"})
# Channels whose raw score is a cosine: evidence above the level.
COSINE = frozenset({"semantic", "consolidation"})
# Channels that start from other hits: what they find is kept beside hits with evidence.
DERIVED = frozenset({"spreading", "associative"})
PERCENTILE = 95

# Sentences about nothing in common: everyday life, science, work and code, so that
# the level holds for the stores people keep, not only for one kind of text.
PROBES = (
    "The train to the coast leaves at noon on weekdays.",
    "Photosynthesis turns sunlight, water and carbon dioxide into sugar.",
    "She scored twice in the second half of the final.",
    "Mortgage rates rose for the third month in a row.",
    "Add the onions once the butter has melted.",
    "The telescope found a faint galaxy behind the cluster.",
    "Our cat sleeps on the windowsill every afternoon.",
    "Heavy rain is expected across the north tonight.",
    "The treaty was signed by twelve countries in 1648.",
    "The parser rejects a trailing comma in the config file.",
    "The hospital added forty beds to its children's ward.",
    "The novel follows two sisters across four decades.",
    "Replace the brake pads before the long drive.",
    "Bees tell each other where the flowers are by dancing.",
    "The choir rehearses on Thursday evenings in the hall.",
    "A migration script renamed the customer table.",
    "The auction house sold the portrait for a record price.",
    "The startup hired its first designer this spring.",
    "Turn left at the bakery and the library is on your right.",
    "The vaccine trial enrolled two thousand volunteers.",
    "Chess players memorise hundreds of opening lines.",
    "The bridge closes at night for maintenance work.",
    "Set the retry limit to five before the job gives up.",
    "The violinist's bow needs new horsehair.",
)


def unrelated_cosine(embedder: Embedder, probes: Sequence[str] = PROBES) -> float:
    """The cosine a query reaches with passages unrelated to it, for this model."""
    docs = np.asarray(embedder.embed(list(probes)), dtype=np.float32)
    queries = np.stack([np.asarray(embedder.embed_query(p), dtype=np.float32) for p in probes])
    cos = queries @ docs.T
    off_diagonal = cos[~np.eye(len(probes), dtype=bool)]
    return float(np.percentile(off_diagonal, PERCENTILE))


class RelevanceGate:
    """Drops the hits nothing but a faint resemblance found (see the module's doc)."""

    def __init__(self, min_cosine: float | None = None) -> None:
        self._fixed = min_cosine
        self._measured: dict[tuple[str, int], float] = {}
        self._lock = threading.Lock()

    def level(self, embedder: Embedder | None) -> float | None:
        """The cosine a hit must pass; None where no model is known to measure it."""
        if self._fixed is not None:
            return self._fixed
        if embedder is None:
            return None
        key = (embedder.name, embedder.dim)
        with self._lock:  # measured once, by whichever recall needs it first
            if key not in self._measured:
                self._measured[key] = unrelated_cosine(embedder)
            return self._measured[key]

    def keep(self, hits: Sequence[Fused], embedder: Embedder | None) -> list[Fused]:
        level: float | None = None
        evidenced: list[bool] = []
        for hit in hits:
            channels = hit.channels
            if any(name in channels for name in EVIDENCE):
                evidenced.append(True)
                continue
            cosines = [channels[name][0] for name in COSINE if name in channels]
            if not cosines:
                evidenced.append(False)
                continue
            if level is None:
                level = self.level(embedder)
                if level is None:
                    return list(hits)
            evidenced.append(max(cosines) > level)
        if not any(evidenced):
            return []
        # A hit without evidence of its own stays when spreading activation or
        # associative recall brought it from hits that have some: a session's next
        # turn, a linked fix.
        return [hit for hit, ok in zip(hits, evidenced, strict=True) if ok or _derived(hit)]


def _derived(hit: Fused) -> bool:
    return any(name in hit.channels for name in DERIVED)
