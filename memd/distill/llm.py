"""LLM mode (``distill_llm = on``): a local GGUF model reads what the rules could not.

The rules (memd.distill.frames) know the usual shapes of a convention; a person may say
one in a shape they miss. In LLM mode a sentence that sounds like an instruction but
gave the rules nothing goes to the local model, which answers in JSON constrained by a
schema (llama.cpp turns it into a grammar, so the reply always parses). A small model
imagines freely, so nothing it says is stored unless it checks out against the sentence:

- the value must occur in the sentence, word for word (case and quotes aside);
- every content word of the subject must occur in the sentence: a subject the model made
  up is rejected, as is a kind outside the list;
- what is stored is the speaker's own sentence, never the model's paraphrase.

The model runs where it cannot delay anyone: in the daemon's background queue, or in an
explicit ``memd distill --llm``.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any, Protocol

from memd.distill.cues import DIRECTIVE
from memd.distill.distiller import Distiller, Statement
from memd.distill.sentences import split_sentences, strip_lead_in
from memd.distill.subjects import subject_words
from memd.errors import LLMWorkerError
from memd.records import Kind

KINDS = {
    "convention": Kind.PROCEDURAL,
    "preference": Kind.PREFERENCE,
    "decision": Kind.DECISION,
    "fact": Kind.SEMANTIC,
}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "statements": {
            "type": "array",
            "maxItems": 3,
            "items": {
                "type": "object",
                "properties": {
                    "kind": {"type": "string", "enum": [*KINDS, "none"]},
                    "subject": {"type": "string", "maxLength": 60},
                    "value": {"type": "string", "maxLength": 80},
                },
                "required": ["kind", "subject", "value"],
            },
        }
    },
    "required": ["statements"],
}
SYSTEM = (
    "You read one sentence a developer said to a coding assistant. If it states a lasting "
    "rule for the project (a convention, a preference, a decision or a fact), list it: kind "
    "is convention, preference, decision or fact; subject is what it is about, in the "
    "sentence's own words (for example 'variable names' or 'test command'); value is what "
    "the rule sets, copied exactly from the sentence. If it states no lasting rule, return "
    'an empty list. Answer with JSON only, like {"statements": [{"kind": "convention", '
    '"subject": "branch names", "value": "feat/"}]}.'
)
MAX_SENTENCE = 300
MAX_TOKENS = 96


class JsonLLM(Protocol):
    name: str

    def complete_json(self, system: str, user: str, schema: dict[str, Any], *, max_tokens: int) -> str:
        """The model's reply as JSON text that follows ``schema``."""
        ...


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[`'\"‘’“”]", "", text).lower().split())


def validate(sentence: str, item: Any) -> Statement | None:
    """A statement the model proposed, if it checks out against ``sentence``; else None."""
    if not isinstance(item, dict):
        return None
    kind = KINDS.get(str(item.get("kind", "")).strip().lower())
    value = str(item.get("value", "")).strip()
    subject = str(item.get("subject", "")).strip()
    if kind is None or not value or not subject:
        return None
    said = _norm(sentence)
    if _norm(value) not in said:
        return None  # a value the sentence does not contain was imagined
    words = set(re.findall(r"[a-z0-9_]+", said))
    wanted = subject_words(subject)
    if not wanted or not all(any(w.startswith(s[:5]) for w in words) for s in wanted):
        return None  # nor may the subject name what the sentence does not
    text = strip_lead_in(sentence)
    text = text if text.endswith((".", "!", ")")) else text + "."
    return Statement(kind, text, subject, "said", value)


class LlmReader:
    """Asks the model about one sentence; returns only what :func:`validate` accepts."""

    def __init__(self, llm: JsonLLM) -> None:
        self.llm = llm
        self.asked = 0
        self.rejected = 0
        self.failed = 0

    def read(self, sentence: str) -> list[Statement]:
        self.asked += 1
        try:
            raw = self.llm.complete_json(SYSTEM, sentence[:MAX_SENTENCE], SCHEMA, max_tokens=MAX_TOKENS)
        except LLMWorkerError:  # a crashed or switched-off model: the rules' reading stands
            self.failed += 1
            return []
        try:
            items = json.loads(raw).get("statements") or []
        except (json.JSONDecodeError, AttributeError):
            self.rejected += 1
            return []
        out = []
        for item in items if isinstance(items, list) else []:
            st = validate(sentence, item)
            if st is None:
                self.rejected += 1
            else:
                out.append(st)
        return out


class HybridDistiller:
    """The rules first; the model for instruction-like sentences the rules read nothing in."""

    def __init__(self, reader: LlmReader, rules: Distiller | None = None) -> None:
        self.reader = reader
        self.rules = rules or Distiller()

    def distill(self, text: str, *, author: str | None = None) -> list[Statement]:
        found = self.rules.distill(text, author=author)
        if found:
            return found
        out: list[Statement] = []
        for sentence in split_sentences(text):
            if (
                len(sentence) <= MAX_SENTENCE
                and not sentence.rstrip().endswith("?")
                and DIRECTIVE.search(sentence)
            ):
                out += [replace(st, tags=("llm",)) for st in self.reader.read(sentence)]
        return out
