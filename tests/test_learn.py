"""Learning from stored turns, on a real LanceDB store: one current version per subject,
history kept, provenance linked, nothing stale in the briefing. The conversations are
written for these tests in the voice people use with coding agents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import memd
from memd.distill.slots import DERIVED, REVIEW_TAG, SLOT_PREFIX

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def say(mem, *texts: str, project: str = "shop", author: str = "dana", start: int = 0) -> list[str]:
    return mem.remember_many(
        [
            {
                "text": t,
                "project": project,
                "author": author,
                "source": "import",
                "created_at": T0 + timedelta(days=start + n),
            }
            for n, t in enumerate(texts)
        ]
    )


def distilled(mem, project: str = "shop", *, everything: bool = False):
    rows = mem.list(project=project, limit=None, include_archived=everything)
    return [r for r in rows if r.source == "distill"]


def current_rules(mem, project: str = "shop") -> list[str]:
    return sorted(r.text for r in distilled(mem, project) if "digest" not in r.tags)


def test_a_newer_rule_about_the_same_subject_replaces_the_older_and_keeps_it_as_history(mem) -> None:
    say(mem, "From now on, prefix private helpers with an underscore.")
    say(mem, "Thanks!", "Actually, let's prefix private helpers with `h_` instead.", start=5)
    assert current_rules(mem) == ["Prefix private helpers with `h_`."]
    new = distilled(mem)[0]
    assert new.source_id == f"{SLOT_PREFIX}private helper|prefix"
    old, current = mem.history(new.id)  # oldest first
    assert old.text == "Prefix private helpers with an underscore."
    assert old.superseded_by == new.id and current.id == new.id


def test_a_rule_and_its_turn_are_linked_derived_from(mem) -> None:
    [turn] = say(mem, "Please use snake_case for database columns.")
    [rule] = distilled(mem)
    links = mem.links(rule.id)
    assert {"src": rule.id, "dst": turn, "relation": DERIVED} in [
        {k: link[k] for k in ("src", "dst", "relation")} for link in links
    ]


def test_saying_the_same_rule_again_is_not_a_new_version(mem) -> None:
    say(mem, "Use snake_case for database columns.")
    say(mem, "Remember: use snake_case for database columns!", start=3)
    rules = distilled(mem, everything=True)
    assert len(rules) == 1
    assert len([x for x in mem.links(rules[0].id) if x["relation"] == DERIVED]) == 2


def test_an_older_statement_read_late_does_not_bring_back_an_old_rule(mem) -> None:
    say(mem, "Branch names should start with `feature/`.", start=10)
    say(mem, "Branch names should start with `feat-`.", start=0)  # imported late, said first
    assert current_rules(mem) == ["Branch names should start with `feature/`."]


def test_different_aspects_and_different_subjects_are_kept_side_by_side(mem) -> None:
    say(
        mem,
        "Prefix function arguments with `p_`.",
        "End function arguments with `_in`.",
        "Use snake_case for database columns.",
        "Use camelCase for JSON fields.",
    )
    assert len(current_rules(mem)) == 4


def test_a_subject_with_several_rules_gets_one_digest_of_those_in_force(mem) -> None:
    say(mem, "Prefix function arguments with `p_`.", "End function arguments with `_in`.")
    (d,) = [r for r in distilled(mem) if "digest" in r.tags]
    assert "`p_`" in d.text and "`_in`" in d.text and d.source_id == "memd:digest:function argument"
    say(mem, "Actually, prefix function arguments with `a_` now.", start=3)
    (d2,) = [r for r in distilled(mem) if "digest" in r.tags]
    assert "`a_`" in d2.text and "`p_`" not in d2.text and "`_in`" in d2.text
    assert [h.text for h in mem.history(d2.id)][0] == d.text  # the old digest is history
    hits = mem.recall("How should I name function arguments?", project="shop", k=3)
    assert any("digest" in h.memory.tags for h in hits), [h.memory.text for h in hits]
    assert "`p_`" not in mem.context("shop").text and "Rules in force" not in mem.context("shop").text


def test_a_negation_retires_the_rule_it_names(mem) -> None:
    say(mem, "Always add the `@cached` decorator to service methods.")
    say(mem, "Please stop adding the `@cached` decorator to service methods.", start=2)
    [rule] = distilled(mem)
    assert "stop" in rule.text.lower()
    assert len(distilled(mem, everything=True)) == 2


def test_a_rule_without_its_subject_binds_only_when_it_is_unambiguous(mem) -> None:
    say(mem, "From now on, prefix private helpers with an underscore.")
    say(mem, "Actually, we use a leading `h_` now.", start=1)
    assert current_rules(mem) == ["We use a leading `h_`."]
    say(mem, "Prefix fixtures with `fx_`.", project="api")
    say(mem, "Prefix mocks with `mk_`.", project="api", start=1)
    say(mem, "Actually, we use a leading `t_` now.", project="api", start=2)
    rules = distilled(mem, "api")
    assert len(rules) == 3  # nothing replaced: it could mean either
    assert REVIEW_TAG in next(r for r in rules if "t_" in r.text).tags


def test_the_agents_own_words_are_not_learned(mem) -> None:
    say(mem, "Sure. Going forward, always use pnpm instead of npm.", author="assistant")
    assert distilled(mem) == []


def test_learning_can_be_turned_off(home) -> None:
    m = memd.open(home, distill=False)
    try:
        say(m, "From now on, prefix private helpers with an underscore.")
        assert distilled(m) == []
    finally:
        m.close()


def test_the_briefing_holds_the_current_rules_and_nothing_replaced(mem) -> None:
    say(mem, "Start handler names with `on_`.", "Tests run with `make test`.")
    say(mem, "We now start handler names with `handle_`.", "Lunch was great today.", start=4)
    brief = mem.context("shop").text
    assert "handle_" in brief and "make test" in brief
    assert "`on_`" not in brief  # neither the old rule nor the turn that stated it
    assert "Lunch was great today." in brief  # events still come, after the rules
    assert brief.index("Conventions and rules") < brief.index("What you were told")


def test_with_a_task_what_concerns_it_comes_first(mem) -> None:
    say(
        mem,
        "Use snake_case for database columns.",
        "Start handler names with `on_`.",
        "JSON fields should be in camelCase.",
    )
    brief = mem.context("shop", task="add a column to the orders database table").text
    lines = [line for line in brief.splitlines() if line.startswith("- ")]
    assert "database columns" in lines[0]
    assert "(task: add a column" in brief.splitlines()[0]


def test_recall_puts_the_current_rule_above_the_turns_and_leaves_the_old_version_out(real_mem) -> None:
    say(real_mem, "From now on, prefix private helpers with an underscore.", "Let's grab lunch.")
    say(real_mem, "Actually, let's prefix private helpers with `h_` instead.", start=3)
    hits = real_mem.recall("How should I name private helper functions?", project="shop", k=5)
    assert hits, "nothing recalled"
    assert hits[0].memory.text == "Prefix private helpers with `h_`."
    assert not any(h.memory.text == "Prefix private helpers with an underscore." for h in hits)


def test_a_fact_said_three_ways_keeps_one_current_value(mem) -> None:
    say(
        mem,
        "The staging payments service listens on port 4312.",
        "fyi staging payments now runs on port 5000",
        "port for staging payments is 7000 now",
        "The database host for staging payments is db-27.internal",
    )
    facts = sorted(r.text for r in distilled(mem) if r.kind.value == "semantic")
    assert facts == [
        "Staging payments port: 7000.",
        "The database host for staging payments is db-27.internal.",
    ]


def test_an_open_problem_is_closed_when_someone_says_it_is_fixed(mem) -> None:
    say(
        mem,
        "The checkout e2e test is flaky on CI, we still need to fix it.",
        "Redis is down in staging again.",
    )
    assert "checkout e2e test" in mem.context("shop").text.split("## Open problems")[1]
    say(mem, "good news: the checkout e2e test is fixed now", start=2)
    brief = mem.context("shop").text
    problems = brief.split("## Open problems")[1].split("##")[0] if "## Open problems" in brief else ""
    assert "checkout" not in problems and "Redis is down" in problems  # the other one stays open
    solved = [r for r in distilled(mem) if "resolved" in r.tags]
    assert len(solved) == 1 and mem.history(solved[0].id)[0].text.startswith("The checkout e2e test is flaky")


def test_a_commit_message_is_not_a_rule(mem) -> None:
    mem.remember_many(
        [
            {
                "text": "Add retries to the payment worker and always log the attempt number",
                "project": "shop",
                "source": "watch",
                "tags": ["git", "commit"],
                "author": "dana",
            }
        ]
    )
    assert distilled(mem) == []


def test_a_digest_follows_a_negation_and_goes_with_its_rules(mem) -> None:
    say(
        mem,
        "Always add the `@cached` decorator to service methods.",
        "Always add the `@traced` decorator to service methods.",
    )
    say(mem, "Stop adding the `@cached` decorator to service methods.", start=2)
    (d,) = [r for r in distilled(mem) if "digest" in r.tags]
    assert "Stop adding the `@cached`" in d.text and "Always add the `@cached`" not in d.text
    for r in distilled(mem):
        if "digest" not in r.tags and "@traced" in r.text:
            mem.forget(r.id)  # one rule left for the subject
    say(mem, "Use snake_case for database columns.", start=4)  # any new rule refreshes digests
    assert not [r for r in distilled(mem) if "digest" in r.tags]
