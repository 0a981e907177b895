"""Rule questions: "How should I name fixtures?", "What's our convention for commits?"

A question about how the work is to be done is answered by a rule, a preference or a
decision; a turn of conversation that mentions the same words ("OK, I'll follow that
naming convention from now on") is about it, not it. When the query asks for a rule, the
memories that are rules (procedural, preference, decision) have their score multiplied
by ``1 + boost`` after fusion. Other questions are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from memd.retrieval.base import Query
from memd.retrieval.index import MemoryIndex

RULE_KINDS = ("procedural", "preference", "decision")
_ASKS_FOR_A_RULE = re.compile(
    r"\b(?:conventions?|rules?|guidelines?|standards?|style ?guide|coding style|policy|policies|naming|"
    r"how (?:do|should|must|can|shall) (?:i|we|you)|how to|should (?:i|we|you)|supposed to|"
    r"(?:am|are) (?:i|we) allowed|is it (?:ok|okay|allowed)|(?:right|correct|proper|preferred) way|"
    r"prefer(?:red|ence)?s?|always|never|do we use|what do we use|which \w+ do we)\b",
    re.I,
)


def asks_for_a_rule(text: str) -> bool:
    return bool(_ASKS_FOR_A_RULE.search(text))


class RuleQuestions:
    name = "rule"

    def __init__(self, index: MemoryIndex, boost: float) -> None:
        self._index = index
        self.boost = boost

    @property
    def active(self) -> bool:
        return self.boost > 0

    def factors(self, query: Query, ids: Sequence[str]) -> np.ndarray:
        out = np.ones(len(ids), dtype=np.float64)
        if self.boost <= 0 or not asks_for_a_rule(query.text):
            return out
        snap = query.view(self._index)
        rows = snap.rows(ids)
        at = np.flatnonzero(rows >= 0)
        if len(at):
            rule = np.isin(snap.cols["kind"][rows[at]], RULE_KINDS)
            out[at[rule]] = 1.0 + self.boost
        return out
