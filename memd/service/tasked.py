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

from memd.briefing import FOCUS_CHARS, is_document, lines_of, passage
from memd.embedding import Embedder
from memd.records import MemoryRecord
from memd.service.recalling import Recaller

# Enough for the answer to be among them (recall's hit@10 on real instruction files is
# 1.0, hit@5 0.97), few enough to leave the briefing's rules room.
TASK_HITS = 8


class TaskFocus:
    """The memories of one project a search for a task finds, best first."""

    def __init__(self, recaller: Recaller, embedder: Embedder, k: int = TASK_HITS) -> None:
        self._recaller = recaller
        self._embedder = embedder
        self._k = k

    def of(self, project: str, task: str | None) -> list[MemoryRecord]:
        """The best hits of ``project`` for ``task``, a long document section cut to the
        passage closest to the task; none for no task (or a blank one)."""
        if not task or not task.strip():
            return []
        hits = [hit.memory for hit in self._recaller.recall(task, k=self._k, project=project)]
        return [self._passage(m, task) if is_document(m) else m for m in hits]

    def _passage(self, m: MemoryRecord, task: str) -> MemoryRecord:
        lines = lines_of(m.text)
        if sum(len(ln) + 1 for ln in lines) <= FOCUS_CHARS:
            return m
        meaning = (self._embedder.embed(lines) @ self._embedder.embed_query(task)).tolist()
        return m.model_copy(update={"text": "\n".join(passage(m.text, task, FOCUS_CHARS, meaning))})
