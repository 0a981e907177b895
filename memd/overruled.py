"""Which learned rules an agent instruction file now says otherwise.

The project's instruction files (CLAUDE.md, AGENTS.md, .cursor/rules …; memd.ingest.
instructions) are what the team wrote down and what each agent loads; a rule memd learned
from a conversation ("use `yarn` for installs") that a file contradicts ("Install with
`pnpm install`") is not presented as current: the file wins, and the briefing says so
(memd.briefing, "Instruction files say otherwise"), naming the file and its words.

Contradiction is read as memd.restated reads a restatement, without a model: a sentence of
the file and the rule share their subject (at least two content words, a quarter of the
shorter) and each names a value — code, a number, a name — the other does not. What this
misses stays a rule, as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from memd.records import MemoryRecord
from memd.restated import same_subject_other_value, subject_of
from memd.told import told_sentences


@dataclass(frozen=True)
class Overruled:
    rule: MemoryRecord
    file: str  # the instruction file's name as stored ("CLAUDE.md", ".cursor/rules/db.mdc")
    says: str  # the file's sentence


def overruled(rules: Sequence[MemoryRecord], sections: Sequence[MemoryRecord]) -> list[Overruled]:
    """The ``rules`` (learned ones: source ``distill``) that a sentence of an instruction
    file's ``sections`` contradicts, each with the first such sentence."""
    said = [
        ((s.source_id or "").split("#", 1)[0] or "an instruction file", sentence, subject_of(sentence))
        for s in sections
        for sentence in told_sentences(s.text)
    ]
    out = []
    for rule in rules:
        if rule.source != "distill" or not said:
            continue
        subject = subject_of(rule.text)
        hit = next(((f, s) for f, s, of in said if same_subject_other_value(subject, of)), None)
        if hit is not None:
            out.append(Overruled(rule, *hit))
    return out
