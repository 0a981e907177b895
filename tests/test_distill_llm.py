"""LLM mode of distillation: what a model says is stored only when it checks out, the
grammar keeps the real model's reply parseable, and the daemon's queue learns in the
background."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from memd.daemon.learning import LlmLearning
from memd.distill.llm import SCHEMA, SYSTEM, HybridDistiller, LlmReader, validate
from memd.inference.llm import bundled_model
from memd.inference.process import WorkerLLM
from memd.records import Kind

SENTENCE = "Please keep every SQL query in the queries/ folder, never inline in handlers."
STORED = "Keep every SQL query in the queries/ folder, never inline in handlers."  # "Please" dropped


@pytest.mark.parametrize(
    ("item", "ok"),
    [
        ({"kind": "convention", "subject": "SQL query", "value": "queries/ folder"}, True),
        ({"kind": "convention", "subject": "branch names", "value": "queries/"}, False),  # subject made up
        ({"kind": "convention", "subject": "SQL query", "value": "feat/"}, False),  # value made up
        ({"kind": "vibe", "subject": "SQL query", "value": "queries/"}, False),  # no such kind
        ({"kind": "none", "subject": "", "value": ""}, False),
        ("not an object", False),
    ],
)
def test_only_what_the_sentence_says_passes(item: Any, ok: bool) -> None:
    st = validate(SENTENCE, item)
    assert (st is not None) == ok
    if st is not None:
        assert st.text == STORED  # the speaker's words are stored, never the model's
        assert st.kind is Kind.PROCEDURAL


class Scripted:
    """A model that answers from a script (unit tests only; the real one is below)."""

    name = "scripted"

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.calls = 0

    def complete_json(self, system: str, user: str, schema: dict[str, Any], *, max_tokens: int) -> str:
        self.calls += 1
        return self.reply


def test_the_model_is_asked_only_where_the_rules_found_nothing() -> None:
    llm = Scripted(
        json.dumps({"statements": [{"kind": "convention", "subject": "SQL query", "value": "queries/"}]})
    )
    hybrid = HybridDistiller(LlmReader(llm))
    assert [s.slot for s in hybrid.distill("Branch names should start with `feat/`.")] == ["branch|prefix"]
    assert llm.calls == 0
    found = hybrid.distill(SENTENCE)
    assert llm.calls == 1 and [s.value for s in found] == ["queries/"] and "llm" in found[0].tags
    assert hybrid.distill("Thanks, see you tomorrow!") == [] and llm.calls == 1  # no instruction: not asked


def test_a_reply_that_does_not_parse_stores_nothing() -> None:
    reader = LlmReader(Scripted('{"statements": [{"kind": "conv'))
    assert reader.read(SENTENCE) == [] and reader.rejected == 1


def test_the_real_model_answers_in_the_schema() -> None:
    llm = WorkerLLM(bundled_model(), device="cpu")  # llama.cpp in its worker, never in pytest
    try:
        reply = json.loads(llm.complete_json(SYSTEM, SENTENCE, SCHEMA, max_tokens=160))
    finally:
        llm.close()
    assert isinstance(reply["statements"], list)
    for item in reply["statements"]:
        assert item["kind"] in (*SCHEMA["properties"]["statements"]["items"]["properties"]["kind"]["enum"],)
        assert isinstance(item["value"], str) and isinstance(item["subject"], str)


def test_the_background_queue_learns_after_the_write(mem) -> None:
    llm = Scripted(
        json.dumps({"statements": [{"kind": "convention", "subject": "SQL query", "value": "queries/"}]})
    )
    queue = LlmLearning(mem, HybridDistiller(LlmReader(llm)))
    queue.start()
    try:
        ids = mem.remember_many(
            [
                {
                    "text": SENTENCE,
                    "project": "api",
                    "source": "import",
                    "created_at": datetime(2026, 1, 2, tzinfo=UTC),
                }
            ]
        )
        assert not [
            r for r in mem.list(project="api", limit=None) if r.source == "distill"
        ]  # the rules: nothing
        queue.offer([r.model_dump() for r in (mem.get(i) for i in ids)])
        deadline = time.monotonic() + 30
        while queue.done < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        learned = [r for r in mem.list(project="api", limit=None) if r.source == "distill"]
        assert [r.text for r in learned] == [STORED]
    finally:
        queue.stop()
