"""memd.told: a user's turn as a briefing line, and the values a turn leaves behind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from memd.told import (
    Retired,
    dropped_values,
    is_user,
    told_line,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("said", "dropped"),
    [
        ("big one: we're moving off Airflow to Dagster this quarter", ["Airflow"]),
        ("we're dropping jest. vitest from now on", ["jest"]),
        ("logging moved from winston to pino, winston ate 15% CPU", ["winston"]),
        ("freeze now starts Wednesday 16:00, not Thursday anymore", ["Thursday"]),
        ("no new env_logger code", ["env_logger"]),
        ("we replaced Jest with Vitest", ["Jest"]),
        ("state is moving off Terraform Cloud", ["Terraform Cloud"]),
        ("the loan period goes from 21 days to 28 days", ["21 days"]),
        ("Jira -> Linear next sprint", ["Jira"]),
        ("marco's on paternity leave for 3 months. jin covers redis reviews now", ["marco"]),
        ("Jürgen goes in retirement end of this month", ["Jürgen"]),
        ("Ravi moved to the billing team last week, stop tagging Ravi", ["Ravi"]),
        ("Tobias took over the payroll export reviews from Ingrid", ["Ingrid"]),
    ],
)
def test_a_value_left_behind_is_found_in_the_ways_people_say_it(said: str, dropped: list[str]) -> None:
    assert dropped_values(said) == dropped


@pytest.mark.parametrize(
    "said",
    [
        "drop the table and recreate it",  # a word, not a name
        "drop a note in #releases when it is out",
        "replace the index with a materialised view",
        "migrations moved into their own project",
        "the service moved to the new cluster",
        "from here to there it is two hops",
        "port 9090 for local now",
    ],
)
def test_work_and_moves_of_things_retire_nothing(said: str) -> None:
    assert dropped_values(said) == []


def test_a_told_line_is_what_the_person_wrote() -> None:
    turn = (
        "the deploy failed again:\n```\n$ make deploy\nError: exit code 1\n```\n"
        "can you check it? from now on deploys go through ArgoCD, never kubectl apply."
    )
    line = told_line(turn)
    assert line == "the deploy failed again: from now on deploys go through ArgoCD, never kubectl apply."


@pytest.mark.parametrize(
    "said",
    [
        "ok",
        "thanks, that's perfect!",
        "nice work on the refactor today",
        "go ahead",
        "what about the old webhook",
        "I'll make sure to end all my argument names with '_j' from now on.",
    ],
)
def test_acknowledgements_questions_and_echoes_are_not_told_lines(said: str) -> None:
    assert told_line(said) is None


def test_a_long_turn_is_one_line_cut_with_an_ellipsis() -> None:
    line = told_line("Use the staging cluster for load tests.\n" * 40)
    assert line is not None and "\n" not in line and len(line) <= 400 and line.endswith("…")


def test_a_retired_value_makes_older_lines_stale_but_not_newer_ones_or_code() -> None:
    retired = Retired()
    retired.add("Airflow", T0, "turn-1")
    assert retired.stale("the Airflow DAG runs at 02:00", T0 - timedelta(days=1))
    assert not retired.stale("the Airflow box is off now, Dagster runs it", T0 + timedelta(hours=1))
    assert not retired.stale(
        "the Airflow DAG runs at 02:00", T0 - timedelta(days=1), "turn-1"
    )  # its own turn
    assert not retired.stale("run `airflow dags list` to check", T0 - timedelta(days=1))  # code
    assert not retired.stale("the Airflowish thing", T0 - timedelta(days=1))  # a word, whole


def test_who_is_a_user() -> None:
    assert is_user("dana") and is_user("user")
    assert not is_user("assistant") and not is_user("Claude") and not is_user(None)


def test_an_agents_bare_acknowledgement_is_no_event() -> None:
    from memd.told import event_sentences

    assert event_sentences("Understood.") == []
    assert event_sentences("Got it. PR #356 is open with the fx_rates asset.") == [
        "PR #356 is open with the fx_rates asset."
    ]
