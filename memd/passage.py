"""A long text cut to the lines a question points to: a document's section in a task
briefing (memd.briefing, memd.service.tasked) and in the per-prompt hook (memd.hooks.run).

Standard library only: the hook runs on every prompt.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

_WORD = re.compile(r"[a-z0-9_]{3,}")
_STOP = frozenset(
    "the and for with that this you your all are use our from should always never please make sure "
    "want like will how what where which when who why can does need get one".split()
)


def words(text: str) -> set[str]:
    """The content words of ``text``, lower case, a plural's "s" off."""
    return {w.rstrip("s") for w in _WORD.findall(text.lower()) if w not in _STOP}


def lines_of(text: str) -> list[str]:
    return [ln.rstrip() for ln in text.splitlines() if ln.strip()]


def passage(text: str, task: str | None, limit: int, meaning: Sequence[float] | None = None) -> list[str]:
    """The non-blank lines of ``text`` (:func:`lines_of`), all of them when they fit in
    ``limit`` characters; else its first line (a section's heading path) and the lines
    closest to ``task``, each with the two after it (the command under a sentence), in the
    text's order, "…" where lines were left out. Closest: ``meaning`` (a score per line, the
    service's embedding similarity) where given, then the task's words, rarer ones weighing more."""
    lines = lines_of(text)
    if sum(len(ln) + 1 for ln in lines) <= limit or not lines:
        return lines
    # A word of the task most lines share ("test" in a testing section) says little.
    have = [words(ln) for ln in lines]
    want = words(task or "")
    weight = {w: math.log(1 + len(lines) / (1 + sum(w in h for h in have))) for w in want}
    score = [sum(weight[w] for w in want & h) for h in have]
    if meaning is not None and len(meaning) == len(lines):
        score = [float(m) + 0.1 * s for m, s in zip(meaning, score, strict=True)]
    chosen = {0}
    size = len(lines[0])
    for n in sorted(range(1, len(lines)), key=lambda n: (-score[n], n)):
        if score[n] == 0 and len(chosen) > 1:
            break
        for m in range(n, min(n + 3, len(lines))):
            if m not in chosen and size + len(lines[m]) + 1 <= limit:
                chosen.add(m)
                size += len(lines[m]) + 1
        if size >= limit * 0.9:
            break
    best = max(range(1, len(lines)), key=lambda n: (score[n], -n)) if len(lines) > 1 else 0
    if best not in chosen and limit - size > 40:  # the closest line is too long: its start
        chosen.add(best)
        lines[best] = lines[best][: limit - size - 2].rstrip() + "…"
    out: list[str] = []
    for n in sorted(chosen):
        if out and n - 1 not in chosen:
            out.append("…")
        out.append(lines[n])
    if max(chosen) < len(lines) - 1:
        out.append("…")
    return out
