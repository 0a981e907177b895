"""`memd ask`: recall, then the local LLM answers from the recalled memories only.

The memories go into the prompt numbered, newest context first, as many as the model's
context holds beside the question and the answer. The model is told to cite the numbers it
used and to say "I don't know" when they do not hold the answer. Small local models answer
from imagination, so the reply is checked before anyone sees it: citations must name
memories that were given, the numbers in the answer must occur in what it cites, and most
of its words must too; an answer that fails is replaced by "I don't know" (with the reason).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Protocol

from pydantic import BaseModel, Field

from memd.api import MemoryAPI
from memd.records import Hit

DONT_KNOW = "I don't know."
ANSWER_TOKENS = 64
SYSTEM = (
    "You answer questions about a person's or a project's past using ONLY the numbered memories "
    "given. Answer in one short sentence, then cite the memory numbers you used in square "
    "brackets, like [2]. If the memories do not contain the answer, reply exactly: I don't know."
)
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_CITE = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_MARKUP = re.compile(r"<</?SYS>>|\[/?INST\]|<\|[a-z_]+\|>|</?(?:start_of_turn|end_of_turn|s)>", re.IGNORECASE)
_LEAD = re.compile(r"^(?:\(\d{1,2} \w+ \d{4}\)\s*|answer:\s*)+", re.IGNORECASE)  # a copied date, a label
_STOP = frozenset(
    "a an the and or but of to in on at for with by from is are was were be been it its this that "
    "these those he she they them his her their i you we our my your me us as so do did does not no "
    "yes if then than there here what when where who whom which why how also just about into over "
    "after before up down out very can could would should will shall may might has have had".split()
)


class AskLLM(Protocol):
    name: str

    def complete(self, system: str, user: str, *, max_tokens: int, stop: list[str] | None = None) -> str: ...


class Answer(BaseModel):
    question: str
    answer: str
    cited: list[str] = Field(default_factory=list, description="Ids of the memories the answer rests on.")
    known: bool = Field(description="False when the memories did not hold the answer (or it failed checks).")
    why: str | None = Field(default=None, description="Why an answer was replaced by 'I don't know'.")
    model: str
    memories_given: int
    raw: str = Field(description="The model's reply as written, before the checks.")


def words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP]


def prompt(question: str, hits: Sequence[Hit], *, room_tokens: int, count: Any = None) -> tuple[str, int]:
    """The user message and how many memories it holds: as many hits, best first, as fit in
    ``room_tokens`` (counted by ``count``, else ~4 characters a token)."""
    count = count or (lambda text: len(text) // 4 + 1)
    head = f"Question: {question}\n\nMemories:\n"
    used = count(head) + 16
    lines = []
    for n, hit in enumerate(hits, start=1):
        when = hit.memory.created_at.strftime("%-d %B %Y")
        line = f"[{n}] ({when}) {' '.join(hit.memory.text.split())}\n"
        cost = count(line)
        if used + cost > room_tokens:
            break
        lines.append(line)
        used += cost
    return head + "".join(lines) + "\nAnswer (cite numbers):", len(lines)


def check(reply: str, hits: Sequence[Hit], given: int) -> tuple[str, list[int], str | None]:
    """The answer's text, the memory numbers it rests on, and why it fails (None: it holds)."""
    # One short answer was asked for: small models go on to copy more memories after it.
    # Chat-template markup a model repeats ("<<SYS>>", "[/INST]", "<end_of_turn>") is no answer.
    reply = _MARKUP.sub(" ", reply)
    lines = [line.strip() for line in reply.strip().splitlines() if line.strip()]
    reply = lines[0] if lines else ""
    text = _LEAD.sub("", _CITE.sub("", reply).strip()).strip()
    low = text.lower()
    if not text or "don't know" in low or "do not know" in low or "not mentioned" in low:
        return DONT_KNOW, [], "the model said it does not know"
    cited = sorted(
        {int(n) for group in _CITE.findall(reply) for n in group.split(",") if 1 <= int(n) <= given}
    )
    answer_words = set(words(text))
    said = _WORD.findall(low)
    if not answer_words:
        return DONT_KNOW, [], "the reply holds no words"
    if len(said) >= 8 and len(set(said)) * 2 < len(said):
        return DONT_KNOW, [], "the reply repeats itself"
    if not cited:
        # A reply without a citation is still checked against what was given: the memory it
        # shares most words with, when it shares most of the reply's words.
        def shared(n: int) -> int:
            return len(answer_words & set(words(_source(hits[n - 1]))))

        best = max(range(1, given + 1), key=shared, default=None)
        if best is not None and answer_words and 2 * shared(best) > len(answer_words):
            cited = [best]
        else:
            return DONT_KNOW, [], "no citation, and no memory given holds its words"
    sources = " ".join(_source(hits[n - 1]) for n in cited)
    missing_numbers = [x for x in _NUMBER.findall(text) if x not in sources]
    if missing_numbers:
        return DONT_KNOW, [], f"numbers not in the cited memories: {', '.join(missing_numbers[:3])}"
    source_words = set(words(sources))
    if answer_words and len(answer_words & source_words) * 2 < len(answer_words):
        return DONT_KNOW, [], "most of its words are not in the cited memories"
    return text, cited, None


def _source(hit: Hit) -> str:
    return f"{hit.memory.created_at.strftime('%-d %B %Y')} {hit.memory.text}"


def ask(
    api: MemoryAPI,
    llm: AskLLM,
    question: str,
    *,
    project: str | Sequence[str] | None = None,
    k: int = 8,
    n_ctx: int = 2048,
    count: Any = None,
) -> Answer:
    """Recall ``k`` memories for ``question`` and let ``llm`` answer from them (checked)."""
    from memd.errors import InvalidInputError

    if not question.strip():
        raise InvalidInputError("the question is empty", hint='memd ask "what did we decide about X?"')
    hits = api.recall(question, k=k, project=project)
    room = n_ctx - ANSWER_TOKENS - len(SYSTEM) // 4 - 32
    user, given = prompt(question, hits, room_tokens=room, count=count)
    if not given:
        return Answer(
            question=question,
            answer=DONT_KNOW,
            known=False,
            why="no memory matches the question",
            model=llm.name,
            memories_given=0,
            raw="",
        )
    # No stop sequences: a model may open with a line break, and a stop there returns
    # nothing (Gemma 3 did, every time); the first line is taken in check().
    reply = llm.complete(SYSTEM, user, max_tokens=ANSWER_TOKENS)
    text, cited, why = check(reply, hits, given)
    return Answer(
        question=question,
        answer=text,
        cited=[hits[n - 1].memory.id for n in cited],
        known=why is None,
        why=why,
        model=llm.name,
        memories_given=given,
        raw=reply,
    )


def ask_with(runtime: Any, api: MemoryAPI, question: str, *, project: Any = None, k: int = 8) -> Answer:
    """:func:`ask` as foreground work of an LLM runtime (memd.inference.runtime): first in
    its queue, written to its ledger."""

    def job(llm: Any) -> Answer:
        return ask(api, llm, question, project=project, k=k, n_ctx=llm.n_ctx, count=llm.count_tokens)

    result: Answer = runtime.run("ask", job)
    return result


class Asker:
    """Asks through the daemon when it serves the home (its model stays warm) and no other
    model is asked for; else through a runtime of this process, kept for the next question
    (an MCP server asks many)."""

    def __init__(self, settings: Any, api: MemoryAPI | None = None) -> None:
        self.settings = settings
        self._api = api
        self._owns_api = api is None  # opened here on first need: closed by close()
        self._runtimes: dict[str | None, Any] = {}

    def __call__(self, question: str, *, project: Any = None, k: int = 8, model: str | None = None) -> Answer:
        import os

        settings = self.settings
        if model is None and os.environ.get("MEMD_NO_DAEMON") != "1" and settings.is_local:
            from memd.daemon.client import connect

            client = connect(settings.home, timeout=900)
            if client is not None:
                try:
                    return Answer.model_validate(client.call("ask", question=question, project=project, k=k))
                finally:
                    client.close()
        if self._api is None:
            import memd

            self._api = memd.connect(settings, prefer_daemon=False)
        if model not in self._runtimes:
            from memd.inference.runtime import build_runtime

            self._runtimes[model] = build_runtime(settings, model=model)
        return ask_with(self._runtimes[model], self._api, question, project=project, k=k)

    def close(self) -> None:
        for runtime in self._runtimes.values():
            runtime.stop()
        self._runtimes.clear()
        if self._owns_api and self._api is not None:
            self._api.close()
            self._api = None


def ask_here_or_in_daemon(
    settings: Any, question: str, *, project: Any = None, k: int = 8, model: str | None = None
) -> Answer:
    """One question (the CLI): :class:`Asker`, closed afterwards."""
    asker = Asker(settings)
    try:
        return asker(question, project=project, k=k, model=model)
    finally:
        asker.close()
