"""Rules given as a list under a heading, the way CLAUDE.md files and first messages to a
coding agent give them:

    Some ground rules for this repo:
    - TypeScript strict mode, no `any`
    - styling is Tailwind, don't write plain CSS files
    - state management: Zustand

Each item is a rule though it has no "always" or "please": the heading says so. An item
"X: Y" or "X is Y" with a name for Y is the tool or style used for X.
"""

from __future__ import annotations

import re

_ITEM = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+(?P<item>\S.*?)\s*$")
_HEADING = re.compile(
    r"(?:ground\s+rules|rules|conventions|guidelines|standards|house\s+style|style\s+guide|"
    r"dos\s+and\s+don'?ts|things\s+to\s+know|things\s+to\s+remember|preferences|how\s+we\s+work|"
    r"instructions|constraints|requirements|tech\s+stack|stack|setup)\b[^:\n]{0,40}:\s*$",
    re.I,
)
_USE = re.compile(
    r"^(?P<target>[A-Za-z][\w\s/-]{1,30}?)\s*(?::|=|\bis\b|\bare\b|—|–)\s*"
    r"(?P<value>`[^`\n]{1,40}`|[A-Z][\w.+-]*(?:\s+[A-Z][\w.+-]*)?)\s*(?=[,;(]|$)"
)


def listed_items(text: str) -> set[str]:
    """The items of every list that follows a rules heading in ``text`` (as written)."""
    items: set[str] = set()
    under = False
    for line in text.splitlines():
        if not line.strip():
            continue
        m = _ITEM.match(line)
        if m and under:
            items.add(m.group("item"))
        elif not m:
            under = bool(_HEADING.search(line.strip()))
    return items


def is_listed(sentence: str, items: set[str]) -> bool:
    s = sentence.strip()
    return any(s == i or i.startswith(s) or s.startswith(i) for i in items)


def tool_for(item: str) -> tuple[str, str] | None:
    """(what, tool) for an item "state management: Zustand" / "styling is Tailwind"."""
    m = _USE.match(item.strip())
    if m is None:
        return None
    return " ".join(m.group("target").split()), m.group("value").strip()
