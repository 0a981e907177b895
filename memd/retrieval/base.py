"""What every channel shares: the query as channels see it, and a scored candidate."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

import numpy as np

from memd.embedding import Embedder
from memd.store.filters import Filter

if TYPE_CHECKING:
    from memd.retrieval.index import MemoryIndex, Snapshot
    from memd.retrieval.intent import Intent

# Longer queries add nothing a person would type; they only cost time.
MAX_QUERY_CHARS = 2_000
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def keyword_terms(text: str) -> str:
    """The query as plain terms: no character can act as full-text query syntax."""
    return _NON_WORD.sub(" ", text[:MAX_QUERY_CHARS]).strip()


@dataclass(frozen=True)
class Candidate:
    id: str
    score: float


class Ranked(list[Candidate]):
    """A channel's candidates, best first, and the score its scale takes as zero when
    that is not the last candidate's (``floor``): a channel that looked deeper than it
    returns knows better where unrelated memories score."""

    def __init__(self, candidates: Iterable[Candidate] = (), *, floor: float | None = None) -> None:
        super().__init__(candidates)
        self.floor = floor


@dataclass
class Query:
    """A recall request as the channels see it.

    The vector is computed once, lazily, and shared by every channel that needs it.
    ``seeds`` is filled between the two stages: second-stage channels (spreading
    activation, associative recall) start from what the first stage found.
    """

    text: str
    filter: Filter
    embedder: Embedder | None = None
    now: datetime | None = None
    intent: Intent | None = None
    seeds: list[Candidate] = field(default_factory=list)
    # Words an LLM added (memd.inference.llm): the keyword channel reads them, the vector too when
    # ``expansion_in_vector``; intent, entities and authors read the query alone.
    expansion: str = ""
    expansion_in_vector: bool = False
    _vector: np.ndarray | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _cache: dict[tuple[int, str], Any] = field(default_factory=dict, repr=False)
    _views: dict[int, Snapshot] = field(default_factory=dict, repr=False)
    _view_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def view(self, index: MemoryIndex) -> Snapshot:
        """``index`` as this query sees it: one snapshot for every channel. Asking the
        index each time checked the table's version each time, and LanceDB answers that
        on the event loop the full-text search occupies: the in-RAM channels waited for
        BM25 (a quarter of a daemon recall went there)."""
        with self._view_lock:
            snap = self._views.get(id(index))
            if snap is None:
                snap = self._views[id(index)] = index.snapshot()
            return snap

    @property
    def vector(self) -> np.ndarray:
        # Channels run on several threads; the first to ask embeds, the others wait.
        with self._lock:
            if self._vector is None:
                if self.embedder is None:
                    raise RuntimeError("this query has no embedder")
                text = f"{self.text} {self.expansion}" if self.expansion_in_vector else self.text
                self._vector = np.asarray(self.embedder.embed_query(text.strip()), dtype=np.float32)
            return self._vector

    def _cached(self, snap: Snapshot, what: str, compute: Callable[[], T]) -> T:
        key = (id(snap), what)
        if key not in self._cache:
            value = compute()
            self._cache.setdefault(key, value)
        cached: T = self._cache[key]
        return cached

    def mask(self, snap: Snapshot) -> np.ndarray | None:
        """Which rows of ``snap`` the filter lets through (None: all), computed once per query."""
        return self._cached(snap, "mask", lambda: snap.mask(self.filter))

    def scores(self, snap: Snapshot) -> np.ndarray:
        """Cosine of every row with the query, -inf where the filter says no; once per query.

        Several channels need it (semantic, temporal, entity order): the matrix
        product over 100k rows is the costliest step of a recall, so it runs once.
        """

        def compute() -> np.ndarray:
            return snap.scores(self.vector, self.mask(snap))

        return self._cached(snap, "scores", compute)


T = TypeVar("T")
Scale = Literal["max", "minmax"]


class Channel(Protocol):
    """One way of finding memories: a query in, scored candidates out, best first.

    ``stage`` 1 channels search the store; stage 2 channels start from the
    first stage's fused results (``query.seeds``). ``scale`` says how fusion puts
    the channel's scores on [0, 1]: ``max`` divides by the best score, ``minmax``
    spreads scores that crowd into a narrow band (cosines) over the whole range, from
    the ``floor`` of a ``Ranked`` result when the channel gives one.
    """

    name: str
    stage: int
    scale: Scale

    def search(self, query: Query, limit: int) -> list[Candidate]: ...
