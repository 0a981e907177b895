"""What the per-prompt hook shows of a long memory: the lines the prompt points to.

Recall answers a question with a document's whole section where a rule was read from it
(memd.retrieval.sections), and a section may hold thousands of characters; three of them
added to every prompt would crowd the agent's context. So a memory longer than
:data:`EXCERPT_CHARS` is shown as its first line (a section's heading path) and the lines
sharing most words with the prompt, each with the line after it (the command under a
sentence), in order, "…" where lines were left out. Standard library only: the hook runs
on every prompt.
"""

from __future__ import annotations

import re

EXCERPT_CHARS = 1_000
_WORD = re.compile(r"[a-z0-9_]{3,}")
_STOP = frozenset(
    "the and for with that this you your are our from how what where which when who why can "
    "does need get one should please make sure".split()
)


def _words(text: str) -> set[str]:
    return {w.rstrip("s") for w in _WORD.findall(text.lower()) if w not in _STOP}


def excerpt(text: str, prompt: str, limit: int = EXCERPT_CHARS) -> str:
    """``text`` whole when it fits in ``limit`` characters (blank lines out), else the lines
    of it closest to ``prompt`` (see the module), joined by newlines."""
    lines = [ln.rstrip() for ln in text.splitlines() if ln.strip()]
    if sum(len(ln) + 1 for ln in lines) <= limit or not lines:
        return "\n".join(lines)
    want = _words(prompt)
    score = [len(want & _words(ln)) for ln in lines]
    chosen = {0}
    size = min(len(lines[0]), limit)
    for n in sorted(range(1, len(lines)), key=lambda n: (-score[n], n)):
        if score[n] == 0 and len(chosen) > 1:
            break
        for m in (n, n + 1):
            if m < len(lines) and m not in chosen and size + len(lines[m]) + 1 <= limit:
                chosen.add(m)
                size += len(lines[m]) + 1
    out: list[str] = []
    for n in sorted(chosen):
        if out and n - 1 not in chosen:
            out.append("…")
        out.append(lines[n][:limit])
    if max(chosen) < len(lines) - 1:
        out.append("…")
    return "\n".join(out)
