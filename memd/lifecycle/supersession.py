"""Automatic supersession: telling that a new statement updates an older one.

"tests run with pytest -x" -> "tests run with pytest -n auto" is one subject with a new
value, so the new memory replaces the old one instead of sitting beside it.
"""

from __future__ import annotations

import re

# -- automatic supersession ---------------------------------------------------------------
# "tests run with pytest -x" -> "tests run with pytest -n auto": the same subject with a new
# value. The rule is deliberately narrow: a long shared opening (the subject) and a first
# difference that is a value (a number, a flag, a version, a code span) or follows a
# linking word. "we use Postgres for orders" vs "... for billing" is two facts, not one.
_LINKING = {
    "is",
    "are",
    "was",
    "were",
    "=",
    ":",
    "->",
    "to",
    "uses",
    "use",
    "using",
    "now",
    "via",
    "with",
    "at",
    "version",
    "set",
    "runs",
    "run",
}
_TOKEN = re.compile(r"`[^`]*`|\S+")


def _tokens(text: str) -> list[str]:
    return [t.strip(".,;!?()[]{}\"'").lower() for t in _TOKEN.findall(text)]


def _value_like(token: str) -> bool:
    return (
        any(c.isdigit() for c in token)
        or token.startswith("-")
        or token.startswith("`")
        or bool(re.fullmatch(r"[\w.-]+[./:@][\w./:@-]+", token))
    )


def update_overlap(old: str, new: str) -> int:
    """How many tokens ``new`` shares with ``old`` when it restates it with another
    value (0 when it does not): the best of several candidates shares the most.

    The texts must share a long opening (the subject) and differ in one stretch
    that holds no linking word: "host for billing is db-27" vs "host for search is
    db-59" differ in "X is Y", two facts about two subjects, not one update. A change
    followed by the predicate ("billing is db-27" vs "billing-eu is db-27") changes
    the subject, not the value.
    """
    a, b = _tokens(old), _tokens(new)
    if a == b or not a or not b:
        return 0
    shortest = min(len(a), len(b))
    p = 0
    while p < shortest and a[p] == b[p]:
        p += 1
    q = 0  # shared closing, not overlapping the opening
    while q < shortest - p and a[-1 - q] == b[-1 - q]:
        q += 1
    if p < 3 or p < 0.5 * shortest:
        return 0
    changed_old, changed_new = a[p : len(a) - q], b[p : len(b) - q]
    if not changed_new or not changed_old:
        return 0  # something was only added or removed: a refinement, not a new value
    if _LINKING & (set(changed_old) | set(changed_new)):
        return 0
    if q and _LINKING & set(a[len(a) - q :]) and not _LINKING & set(a[:p]):
        return 0  # the predicate comes after the change: the subject changed
    if _value_like(changed_old[0]) or _value_like(changed_new[0]) or a[p - 1] in _LINKING:
        return p + q
    return 0


def same_subject_new_value(old: str, new: str) -> bool:
    """True when ``new`` restates ``old`` with another value (see :func:`update_overlap`)."""
    return update_overlap(old, new) > 0
