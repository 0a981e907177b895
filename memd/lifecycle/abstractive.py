"""Abstractive consolidation: the local LLM writes a cluster's summary, on the zero-LLM seam.

:class:`AbstractiveSummarizer` is a :class:`memd.lifecycle.consolidate.Summarizer`. It offers
the cluster to the LLM runtime as background work (held to the hour's budget), and keeps the
model's summary only if it passes the checks below; otherwise — budget spent, model failed,
or a summary that names what the episodes do not — the extractive summary is kept. A small
model invents freely, and a consolidated memory outlives its sources: so every number and
every name in the summary must occur in the episodes, and it must be short and plain.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from typing import Any

from memd.lifecycle.consolidate import Cluster, ExtractiveSummarizer, Summarizer

log = logging.getLogger(__name__)

SYSTEM = (
    "Summarize these related notes as one or two plain sentences of lasting knowledge: what "
    "was decided, learned or done. Use only facts, names and numbers from the notes. No preamble."
)
MAX_SOURCE_CHARS = 3_000
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_NAME = re.compile(
    r"(?<![.!?]\s)(?<!^)\b[A-Z][A-Za-z0-9_.-]*[A-Za-z0-9]"
)  # capitalised, not sentence-initial
_CODE = re.compile(r"`[^`]+`")


def problems(summary: str, cluster: Cluster, *, max_chars: int = 600) -> list[str]:
    """Why ``summary`` may not stand for ``cluster`` (empty: it may)."""
    from memd.guard import inspect

    found = []
    text = summary.strip()
    if len(text) < 12:
        found.append("empty or too short")
    if len(text) > max_chars:
        found.append(f"longer than {max_chars} characters")
    sources = " ".join(m.text for m in cluster.members)
    low_sources = sources.lower()
    numbers = [n for n in _NUMBER.findall(text) if n not in sources]
    if numbers:
        found.append(f"numbers not in the episodes: {', '.join(numbers[:3])}")
    names = [n for n in _NAME.findall(text) + _CODE.findall(text) if n.strip("`").lower() not in low_sources]
    if names:
        found.append(f"names not in the episodes: {', '.join(names[:3])}")
    if inspect(text).flagged:
        found.append("reads as an instruction to the agent")
    return found


class AbstractiveSummarizer:
    def __init__(self, runtime: Any, *, fallback: Summarizer | None = None, timeout_s: float = 120.0) -> None:
        self._runtime = runtime
        self._fallback = fallback or ExtractiveSummarizer()
        self._timeout_s = timeout_s
        self.outcomes: Counter[str] = Counter()  # kept / rejected / skipped / failed

    def summarize(self, cluster: Cluster) -> str:
        extractive = self._fallback.summarize(cluster)
        notes = "\n".join(f"- {' '.join(cluster.members[i].text.split())}" for i in cluster.central)
        notes = notes[:MAX_SOURCE_CHARS]
        future = self._runtime.offer(
            "consolidate", lambda llm: llm.complete(SYSTEM, notes, max_tokens=120, stop=["\n\n"])
        )
        if future is None:
            self.outcomes["skipped"] += 1
            return extractive
        try:
            summary = " ".join(str(future.result(timeout=self._timeout_s)).split())
        except Exception:  # noqa: BLE001 - the extractive summary stands
            log.warning("abstractive consolidation failed; kept the extractive summary", exc_info=True)
            self.outcomes["failed"] += 1
            return extractive
        why = problems(summary, cluster)
        if why:
            log.info("LLM summary rejected (%s); kept the extractive one", "; ".join(why))
            self.outcomes["rejected"] += 1
            return extractive
        self.outcomes["kept"] += 1
        # The span of dates and the count come from the extractive summary's tail: facts, not prose.
        tail = extractive[extractive.rfind(" (") :] if extractive.endswith(")") else ""
        return summary + tail
