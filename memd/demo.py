"""The demo: a realistic handful of coding-agent memories and questions about them.

It lives in its own project of the default store, so it never touches the
user's memories, and running it twice adds nothing (identical content dedupes).
"""

from __future__ import annotations

from dataclasses import dataclass

from memd.api import MemoryAPI
from memd.records import Hit, Kind, NewMemory, Source

DEMO_PROJECT = "memd-demo"
LEARN_PROJECT = "memd-demo-chat"

MEMORIES: list[tuple[Kind, str, tuple[str, ...]]] = [
    (
        Kind.PROCEDURAL,
        "Run the test suite with `uv run pytest -n auto`; the integration tests need `docker compose up db` first.",
        ("testing",),
    ),
    (
        Kind.DECISION,
        "We chose PostgreSQL over MongoDB for the orders service because we need transactions across orders and payments.",
        ("database", "architecture"),
    ),
    (
        Kind.PREFERENCE,
        "The user wants small commits with imperative messages, and never force-pushes to main.",
        ("git",),
    ),
    (
        Kind.EPISODIC,
        "Fixed the flaky `test_checkout_timeout`: the mock clock was shared between tests; now each test gets a fresh FakeClock.",
        ("bug", "testing"),
    ),
    (
        Kind.SEMANTIC,
        "API handlers live in services/api/handlers/, one module per resource; shared validation is in services/api/schemas.py.",
        ("layout",),
    ),
    (
        Kind.PROCEDURAL,
        "Deploy to staging with `make deploy ENV=staging`; production deploys go through the release GitHub Action only.",
        ("deploy",),
    ),
    (
        Kind.DECISION,
        "Logging uses structlog with JSON output in production and the console renderer locally; do not use print().",
        ("logging",),
    ),
    (
        Kind.EPISODIC,
        "The 502 errors on /checkout came from nginx's proxy_read_timeout of 30s; raised it to 120s for the payment callback.",
        ("bug", "nginx"),
    ),
    (
        Kind.PREFERENCE,
        "Type hints everywhere; mypy runs in strict mode in CI and new code must pass it.",
        ("typing",),
    ),
    (
        Kind.SEMANTIC,
        "Secrets come from Vault at startup via the VAULT_ADDR and VAULT_ROLE environment variables, never from .env files in the repo.",
        ("security",),
    ),
]

# A conversation with an agent, a week apart: memd learns the rules said in passing, and the
# newer word on the same subject replaces the older one.
CONVERSATION: list[tuple[str, str, str]] = [
    (
        "2026-03-02T09:00:00+00:00",
        "dana",
        "before you start: from now on prefix private helpers with an underscore",
    ),
    ("2026-03-02T09:01:00+00:00", "assistant", "Got it, I'll prefix private helpers with an underscore."),
    ("2026-03-02T09:02:00+00:00", "dana", "also, we switched from requests to httpx because we need async"),
    (
        "2026-03-09T10:00:00+00:00",
        "dana",
        "actually, prefix private helpers with `h_` instead, the underscore clashes with our codegen",
    ),
    ("2026-03-09T10:01:00+00:00", "dana", "btw the staging API is at https://staging.example.com/v2"),
]

QUESTIONS: list[str] = [
    "how do I run the tests?",
    "why did we pick Postgres?",
    "what caused the checkout 502s?",
    "how should I write commit messages?",
]


@dataclass(frozen=True)
class DemoResult:
    stored: int
    answers: list[tuple[str, list[Hit]]]
    # What memd learned from the conversation: the project's rules now (a briefing's first lines).
    learned: list[str]


def run_demo(mem: MemoryAPI, *, k: int = 3) -> DemoResult:
    ids = mem.remember_many(
        NewMemory(text=text, kind=kind, tags=tags, project=DEMO_PROJECT, source=Source.DEMO.value)
        for kind, text, tags in MEMORIES
    )
    answers = [(q, mem.recall(q, k=k, project=DEMO_PROJECT)) for q in QUESTIONS]
    mem.remember_many(
        NewMemory(text=text, author=who, created_at=at, project=LEARN_PROJECT, source=Source.IMPORT.value)
        for at, who, text in CONVERSATION
    )
    brief = mem.context(LEARN_PROJECT, max_tokens=400).text
    learned = [line for line in brief.split("## Recent events")[0].splitlines() if line.startswith("- ")]
    return DemoResult(stored=len(set(ids)), answers=answers, learned=learned)
