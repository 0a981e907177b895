"""Re-distillation: run the learner over turns already stored (``memd distill``).

Turns are read oldest first, so each subject ends at its newest version; running it twice
stores nothing new (a restated value is confirmed, an older statement never replaces a
newer one, and a provenance link is written once).
"""

from __future__ import annotations

from datetime import datetime

from memd.api import Progress
from memd.records import Kind, LearnResult
from memd.service.learning import Learner
from memd.store import Store
from memd.store.filters import Filter

CHUNK = 500


def redistill(
    store: Store,
    learner: Learner,
    *,
    project: str | None = None,
    since: datetime | None = None,
    progress: Progress | None = None,
) -> LearnResult:
    flt = Filter(
        projects=(project,) if project else (),
        kinds=(Kind.EPISODIC.value,),
        since=since,
        include_superseded=False,
    )
    turns = store.scan(flt, limit=None, newest_first=False)
    total = LearnResult(stored=0, replaced=0, confirmed=0)
    for start in range(0, len(turns), CHUNK):
        done = learner.learn(turns[start : start + CHUNK])
        total = LearnResult(
            stored=total.stored + done.stored,
            replaced=total.replaced + done.replaced,
            confirmed=total.confirmed + done.confirmed,
        )
        if progress is not None:
            progress(min(start + CHUNK, len(turns)), len(turns))
    if progress is not None and not turns:
        progress(0, 0)
    return total
