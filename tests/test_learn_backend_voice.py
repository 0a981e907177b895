"""Two weeks on a Django service, written for this test in a second voice: terse chat,
review comments, settings given as numbers, people taking over roles, tools dropped for
others. What the briefing holds at the end, and what recall answers first.

Real LanceDB, the real write path, the real briefing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from voices import in_force, play

SESSIONS: list[tuple[int, list[tuple[str, str]]]] = [
    (
        0,
        [
            ("user", "ok so quick context: this is a django app, python 3.11, we use poetry for deps"),
            ("user", "run tests with `poetry run pytest -x`"),
            ("assistant", "Thanks! I'll use poetry run pytest -x to run the tests."),
            ("user", "pls always add type hints to new functions, mypy runs in CI"),
            ("user", "and never commit directly to main, open a PR"),
            ("user", "we format with black, line length 100"),
        ],
    ),
    (
        2,
        [
            ("user", "the celery worker keeps dying on staging, no idea why yet"),
            ("user", "for logging use structlog not the stdlib logging module"),
            ("user", "Review comment: please use f-strings instead of .format() in this codebase"),
            ("user", "migrations should be reviewed by Marta before merge"),
        ],
    ),
    (
        7,
        [
            ("user", "we decided to go with postgres 16 for the new cluster since RDS finally supports it"),
            ("user", "oh and the line length is 120 now, we bumped it in pyproject"),
            ("user", "found it — the celery worker was OOMing, fixed now by lowering concurrency"),
            ("user", "we dropped black, we're using ruff format now"),
        ],
    ),
    (
        14,
        [
            ("user", "Marta left the team, Jonas reviews migrations now"),
            ("user", "the API base url for staging is https://api.staging.example.org"),
            ("user", "lol that was a fun bug"),
        ],
    ),
]
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
PROJECT = "billing-api"


def ingest(mem) -> None:
    play(mem, SESSIONS, project=PROJECT, start=T0)


def in_force_now(mem) -> str:
    return in_force(mem, PROJECT)[1]


def test_the_rules_and_settings_in_force_are_in_the_briefing(mem) -> None:
    ingest(mem)
    brief = in_force_now(mem)
    for current in (
        "poetry run pytest -x",
        "type hints",
        "commit directly to main",
        "structlog",
        "f-strings",
        "ruff format",
        "120",
        "Jonas",
        "postgres 16",
        "https://api.staging.example.org",
    ):
        assert current in brief, f"{current!r} missing from:\n{brief}"


def test_replaced_settings_roles_and_tools_are_not_presented_as_current(mem) -> None:
    ingest(mem)
    brief = in_force_now(mem)
    assert "100" not in brief  # the line length went to 120
    assert "Marta" not in brief  # Jonas reviews migrations now
    assert "we format with black" not in brief.lower()  # ruff format replaced it


def test_the_problem_is_closed_by_its_fix(mem) -> None:
    ingest(mem)
    brief = mem.context(PROJECT, max_tokens=1500).text
    assert (
        "## Open problems" not in brief or "celery" not in brief.split("## Open problems")[1].split("##")[0]
    )


def test_a_question_about_a_setting_gets_the_current_value_first(mem) -> None:
    ingest(mem)
    for question, current, old in (
        ("what line length do we use?", "120", "100"),
        ("who reviews migrations?", "Jonas", "Marta"),
    ):
        hits = mem.recall(question, k=5, project=PROJECT)
        texts = [h.memory.text for h in hits]
        assert texts and current in texts[0], (question, texts)
        olds = [i for i, t in enumerate(texts) if old in t and current not in t]
        assert all(i > 0 for i in olds), (question, texts)
