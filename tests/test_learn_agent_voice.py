"""A month of working with a coding agent, written for this test in the way people type
to one (lower case, asides, "btw", "actually"): what the briefing holds at the end.

The rules change along the way; the briefing must hold the ones in force and none of
the ones they replaced. Real LanceDB, the real write path, the real briefing.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from voices import play

SESSIONS: list[tuple[int, list[tuple[str, str]]]] = [
    (
        0,
        [
            (
                "user",
                "hey, before you start: this repo uses pnpm, not npm. "
                "please run `pnpm lint` before you commit anything",
            ),
            ("assistant", "Got it — I'll use pnpm and run pnpm lint before committing."),
            ("user", "also all new components go in src/components, one component per file"),
            ("user", "Tests run with `pnpm vitest run`."),
            ("user", "we're on Node 20"),
        ],
    ),
    (
        3,
        [
            ("user", "can you look at the login test? it is flaky on CI since tuesday"),
            ("assistant", "Sure. I'll check the CI logs first."),
            ("user", "don't use default exports btw, use named exports"),
            ("assistant", "Understood, I'll switch to named exports."),
        ],
    ),
    (
        10,
        [
            ("user", "heads up, we switched from Jest to Vitest because Jest kept choking on ESM"),
            ("user", "from now on prefix private helpers with an underscore"),
            ("user", "Priya owns the payments service, ask her before touching it"),
            ("user", "thanks, that's perfect!"),
        ],
    ),
    (
        20,
        [
            ("user", "actually, prefix private helpers with `h_` instead of the underscore"),
            ("user", "we moved from pnpm to bun for installs"),
            ("user", "The staging URL is https://staging.acme.dev now."),
        ],
    ),
    (
        30,
        [
            ("user", "fyi we upgraded to Node 22 yesterday"),
            ("user", "nice work on the refactor today"),
        ],
    ),
]
T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def ingest(mem) -> None:
    play(mem, SESSIONS, project="acme-web", start=T0)


def rules_section(brief: str) -> str:
    """The briefing without the turns it shows as they were said and its recent events:
    what it says is in force."""
    return brief.split("## What you were told")[0].split("## Recent events")[0]


def test_the_briefing_after_a_month_holds_the_rules_in_force(mem) -> None:
    ingest(mem)
    brief = rules_section(mem.context("acme-web", max_tokens=1500).text)
    for current in (
        "pnpm lint",
        "src/components",
        "pnpm vitest run",
        "named exports",
        "Vitest",
        "`h_`",
        "bun",
        "Priya",
        "https://staging.acme.dev",
        "Node 22",
    ):
        assert current in brief, f"{current!r} missing from:\n{brief}"


def test_the_briefing_after_a_month_holds_nothing_replaced(mem) -> None:
    ingest(mem)
    brief = rules_section(mem.context("acme-web", max_tokens=1500).text)
    assert "Node 20" not in brief
    assert not re.search(r"prefix private helpers with an underscore", brief, re.I)
    assert not re.search(r"uses pnpm, not npm", brief, re.I)  # replaced by bun


def test_the_agents_replies_and_small_talk_are_not_rules(mem) -> None:
    ingest(mem)
    brief = rules_section(mem.context("acme-web", max_tokens=1500).text)
    for said in ("I'll check the CI logs", "switch to named exports", "that's perfect", "nice work"):
        assert said not in brief


def test_the_flaky_test_is_an_open_problem(mem) -> None:
    ingest(mem)
    brief = mem.context("acme-web", max_tokens=1500).text
    problems = brief.split("## Open problems")[1].split("##")[0]
    assert "login test" in problems
