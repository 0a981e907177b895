"""The shapes added for tooling changes, roles and numeric settings: what each reads,
and what it must leave alone."""

from __future__ import annotations

import pytest

from memd.distill.distiller import Distiller
from memd.distill.quantities import find_quantities
from memd.distill.roles import find_role
from memd.distill.shifts import find_shifts

D = Distiller()


@pytest.mark.parametrize(
    ("sentence", "new", "old"),
    [
        ("we dropped black, we're using ruff format now", "ruff format", "black"),
        ("we replaced Jest with Vitest", "Vitest", "Jest"),
        ("got rid of moment in favour of date-fns", "date-fns", "moment"),
        ("we ditched yarn for pnpm", "pnpm", "yarn"),
    ],
)
def test_a_tool_dropped_for_another(sentence: str, new: str, old: str) -> None:
    (f,) = find_shifts(sentence)
    assert (f.value, f.replaces) == (new, old)


def test_work_done_with_a_tool_names_its_subject() -> None:
    (st,) = [s for s in D.distill("we lint with ruff") if s.aspect == "use"]
    assert (st.subject, st.value) == ("linting", "ruff")


@pytest.mark.parametrize(
    ("sentence", "subject", "role", "person"),
    [
        ("Marta left the team, Jonas reviews migrations now", "migrations", "reviewer", "Jonas"),
        ("migrations should be reviewed by Marta before merge", "migrations", "reviewer", "Marta"),
        ("Priya owns the payments service", "payments service", "owner", "Priya"),
        ("Deploys must be approved by Sam", "Deploys", "reviewer", "Sam"),
    ],
)
def test_roles(sentence: str, subject: str, role: str, person: str) -> None:
    r = find_role(sentence)
    assert r is not None and (r.subject, r.role, r.person) == (subject, role, person)


@pytest.mark.parametrize(
    "sentence",
    ["I reviewed the PR yesterday", "We own this problem", "It handles retries", "The CI approves nothing"],
)
def test_no_role_without_a_person(sentence: str) -> None:
    assert find_role(sentence) is None


@pytest.mark.parametrize(
    ("sentence", "subject", "value"),
    [
        ("we format with black, line length 100", "line length", "100"),
        ("the line length is 120 now", "line length", "120"),
        ("timeout is 30s for the payments client", "payments client timeout", "30s"),
        ("max retries: 5", "max retries", "5"),
        ("coverage threshold is 85%", "coverage threshold", "85%"),
    ],
)
def test_numeric_settings(sentence: str, subject: str, value: str) -> None:
    (q,) = find_quantities(sentence)
    assert (q.subject, q.value) == (subject, value)


@pytest.mark.parametrize(
    "sentence",
    ["we hired 3 workers this year", "I wrote 100 lines today", "retry later please", "Python 3.11"],
)
def test_numbers_that_are_no_setting(sentence: str) -> None:
    assert find_quantities(sentence) == []


def test_a_setting_said_in_the_past_is_history() -> None:
    assert [s for s in D.distill("we used to have line length 80") if s.aspect == "value"] == []


def test_a_sentence_gives_its_tool_and_its_setting_as_two_statements() -> None:
    got = {(s.aspect, s.value) for s in D.distill("We format with black, line length 100.")}
    assert got == {("use", "black"), ("value", "100")}
    texts = [s.text for s in D.distill("We format with black, line length 100.")]
    assert "We format with black." in texts and "Line length 100." in texts


def test_the_problem_vocabulary_of_chat() -> None:
    (st,) = D.distill("the celery worker keeps dying on staging, no idea why yet")
    assert "open" in st.tags
    (fix,) = D.distill("found it — the celery worker was OOMing, fixed now by lowering concurrency")
    assert "resolved" in fix.tags


def test_the_rule_is_stored_as_said_not_as_normalised() -> None:
    (st,) = D.distill("please stop adding type hints to test functions, it's noise there")
    assert st.text.startswith("Stop adding type hints") and st.negated


def test_a_change_of_mind_names_the_old_value() -> None:
    f = find_shifts("I changed my mind about Zustand, let's use Redux Toolkit for state instead")[0]
    assert (f.value, f.replaces) == ("Redux Toolkit", "Zustand")
    g = find_shifts("scratch the Redux thing, we're going back to Zustand")[0]
    assert (g.value, g.replaces) == ("Zustand", "Redux")


def test_a_naming_pattern_by_example() -> None:
    (f,) = find_shifts("from now on name event handlers onX instead of handleX")
    assert (f.aspect, f.target, f.value, f.replaces) == ("pattern", "event handlers", "onX", "handleX")


def test_items_under_a_rules_heading_are_rules() -> None:
    text = "House style:\n- state management: Zustand\n- no default exports\n\nThanks!"
    got = D.distill(text)
    assert [(s.subject_key, s.value) for s in got if s.aspect == "use"] == [("state management", "Zustand")]
    assert any(s.text.startswith("No default exports") for s in got)
    assert not any("Thanks" in s.text for s in got)


def test_a_list_without_a_rules_heading_is_not_a_rule_list() -> None:
    assert D.distill("Groceries for the offsite:\n- bagels\n- coffee") == []


def test_ports_and_roles() -> None:
    got = {(s.subject, s.value) for s in D.distill("the dev server is `npm run dev` on port 5173")}
    assert ("dev server port", "5173") in got and ("dev server", "`npm run dev`") in got
    r = find_role("Kim is our designer")
    assert r is not None and (r.subject, r.role, r.person) == ("project", "designer", "Kim")
