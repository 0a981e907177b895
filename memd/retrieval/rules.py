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

from memd.distill.digest import DIGEST_PREFIX
from memd.distill.slots import SLOT_PREFIX
from memd.distill.subjects import canonical_words, stem
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


# The rules a question names are looked for among this many of the project's newest rules,
# and at most this many join the candidates.
MAX_SCAN = 5_000
MAX_EXTRA = 20


def named_size(source_id: object, asked: set[str]) -> int:
    """How fully a question names a rule's slot: 0 unless every word of its subject is
    asked; then the subject's words plus the words of its item the question uses too
    ("function docstrings" names "function|include|docstrings" more fully than the
    function prefix rule)."""
    if isinstance(source_id, str) and source_id.startswith(DIGEST_PREFIX):
        # A subject's digest holds all its rules: named as fully as the subject is.
        source_id = SLOT_PREFIX + source_id[len(DIGEST_PREFIX) :]
    if not isinstance(source_id, str) or not source_id.startswith(SLOT_PREFIX):
        return 0
    parts = source_id[len(SLOT_PREFIX) :].split("|")
    subject = parts[0].split()
    if not subject or not set(subject) <= asked:
        stems = {stem(w) for w in asked}
        if not subject or not all(w in asked or stem(w) in stems for w in subject):
            return 0
    item = set(canonical_words(parts[2])) if len(parts) > 2 else set()
    return len(subject) + len(item & asked)


class RuleQuestions:
    """Rules rise by ``boost`` on a rule question; the rules whose subject the question
    names ("How should I name function arguments?" -> the rules about function argument
    names, not those about function names) rise by ``subject_boost`` more."""

    name = "rule"

    def __init__(self, index: MemoryIndex, boost: float, subject_boost: float = 1.0) -> None:
        self._index = index
        self.boost = boost
        self.subject_boost = subject_boost

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
            if self.subject_boost > 0:
                self._named(query.text, snap.cols["rec:source_id"][rows[at]], at, out)
        return out

    def lead(self, query: Query) -> list[tuple[str, float]]:
        """The rules whose subject a rule question names, with their cosine to it: they
        lead the answer, closest first, wherever fusion ranked them. "What is our convention
        for imports?" must reach "Always import the 'bz2' module" though neither BM25
        ("imports" is not "import") nor the vector put it near the top."""
        if self.subject_boost <= 0 or not asks_for_a_rule(query.text):
            return []
        snap = query.view(self._index)
        mask = query.mask(snap)
        rule = np.isin(snap.cols["kind"], RULE_KINDS)
        rows = np.flatnonzero(rule if mask is None else rule & mask)[-MAX_SCAN:]
        if not len(rows):
            return []
        asked = canonical_words(query.text)
        sizes = np.zeros(len(rows), dtype=np.int64)
        for j, sid in enumerate(snap.cols["rec:source_id"][rows].tolist()):
            sizes[j] = named_size(sid, asked)
        best = sizes.max(initial=0)
        if best == 0:
            return []
        chosen = rows[sizes == best][-MAX_EXTRA:]
        cos = query.scores(snap)[chosen]
        return [(str(snap.ids[r]), float(c)) for r, c in zip(chosen.tolist(), cos.tolist(), strict=True)]

    def _named(self, question: str, source_ids: np.ndarray, at: np.ndarray, out: np.ndarray) -> None:
        asked = canonical_words(question)
        sizes = np.zeros(len(at), dtype=np.int64)
        for j, sid in enumerate(source_ids.tolist()):
            sizes[j] = named_size(sid, asked)
        if sizes.max(initial=0) > 0:  # the fullest match: "function argument" over "function"
            out[at[sizes == sizes.max()]] *= 1.0 + self.subject_boost
