"""What a briefing for a task puts first: the memories a search for the task finds.

``memd context --task "how do I run one crate's tests?"`` used to order the project's rules
by the words they share with the task. A rule read from a document ("Run tests for a
specific crate.") loses the command of its section, and the section that answers may share
no word with the question. So the task is recalled like any query (all seven channels, the
newer word first), and the best :data:`TASK_HITS` memories of the project lead the briefing
whole (memd.briefing, "For this task"); everything else follows as before.

A long section (an instruction file's "Development Guidelines", forty lines) cannot be shown
whole: the service picks its lines closest in meaning to the task (the embedding model,
each line with the two after it, memd.briefing.passage), since a question rarely shares
its words with the line that answers it ("plain JS" / "never use JavaScript").

Without the model (a cold hook) the briefing stays a scan matched by words.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from memd.briefing import FOCUS_CHARS, is_document
from memd.embedding import Embedder
from memd.passage import lines_of, passage
from memd.records import MemoryRecord
from memd.service.recalling import Recaller

# Enough for the answer to be among them (recall's hit@10 on real instruction files is
# 1.0, hit@5 0.97), few enough to leave the briefing's rules room.
TASK_HITS = 8
# Only the first few long sections can be shown in the task's share of a briefing; only
# they are cut by meaning (each of their lines embedded, at most LINE_CHARS of a line).
MEANING_SECTIONS = 4
LINE_CHARS = 300
# Line vectors kept between briefings (the same sections answer a project's tasks).
CACHE_LINES = 20_000


class TaskFocus:
    """The memories of one project a search for a task finds, best first."""

    def __init__(self, recaller: Recaller, embedder: Embedder, k: int = TASK_HITS) -> None:
        self._recaller = recaller
        self._embedder = embedder
        self._k = k
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, project: str, task: str | None) -> list[MemoryRecord]:
        """The best hits of ``project`` for ``task``, a long document section cut to the
        passage closest to the task; none for no task (or a blank one)."""
        if not task or not task.strip():
            return []
        hits = [hit.memory for hit in self._recaller.recall(task, k=self._k, project=project)]
        long = [
            n
            for n, m in enumerate(hits)
            if is_document(m) and sum(len(ln) + 1 for ln in lines_of(m.text)) > FOCUS_CHARS
        ][:MEANING_SECTIONS]
        if not long:
            return hits
        wanted = [ln[:LINE_CHARS] for n in long for ln in lines_of(hits[n].text)]
        vectors = self._embed(wanted)
        query = self._embedder.embed_query(task)
        out = list(hits)
        for n in long:
            lines = lines_of(hits[n].text)
            meaning = [float(vectors[ln[:LINE_CHARS]] @ query) for ln in lines]
            cut = "\n".join(passage(hits[n].text, task, FOCUS_CHARS, meaning))
            out[n] = hits[n].model_copy(update={"text": cut})
        return out

    def _embed(self, texts: list[str]) -> dict[str, np.ndarray]:
        with self._lock:
            known = {t: v for t in texts if (v := self._vectors.get(t)) is not None}
        missing = sorted(set(texts) - set(known))
        if missing:
            fresh = dict(zip(missing, self._embedder.embed(missing), strict=True))
            known.update(fresh)
            with self._lock:
                self._vectors.update(fresh)
                while len(self._vectors) > CACHE_LINES:
                    self._vectors.popitem(last=False)
        return known
