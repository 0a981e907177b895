"""What a briefing for a task puts first: the memories a search for the task finds.

``memd context --task "how do I run one crate's tests?"`` used to order the project's rules
by the words they share with the task. A rule read from a document ("Run tests for a
specific crate.") loses the command of its section, and the section that answers may share
no word with the question. So the task is recalled like any query (all seven channels, the
newer word first), and the best :data:`TASK_HITS` memories of the project lead the briefing
whole (memd.briefing, "For this task"); everything else follows as before.

Without the model (a cold hook) the briefing stays a scan matched by words.
"""

from __future__ import annotations

from memd.records import MemoryRecord
from memd.service.recalling import Recaller

# Enough for the answer to be among them (recall's hit@10 on real instruction files is
# 1.0, hit@5 0.97), few enough to leave the briefing's rules room.
TASK_HITS = 8


class TaskFocus:
    """The memories of one project a search for a task finds, best first."""

    def __init__(self, recaller: Recaller, k: int = TASK_HITS) -> None:
        self._recaller = recaller
        self._k = k

    def of(self, project: str, task: str | None) -> list[MemoryRecord]:
        """The best hits of ``project`` for ``task``; none for no task (or a blank one)."""
        if not task or not task.strip():
            return []
        return [hit.memory for hit in self._recaller.recall(task, k=self._k, project=project)]
