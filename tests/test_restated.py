"""memd.restated: which sentences a later word of the user's made stale — unit cases, then
a real store (LanceDB, the real write path and learner) briefing a conversation in a voice
the distiller has no shape for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from voices import play

from memd.restated import Item, sift

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def turn(id: str, n: int, *sentences: str, user: bool = True, shown: bool = True) -> Item:
    return Item(id, day(n), sentences, user=user, shown=shown, text=" ".join(sentences))


def test_a_later_change_on_the_same_subject_drops_the_old_sentence_only() -> None:
    out = sift(
        [
            turn("a", 0, "Payroll jobs retry max 3 attempts with backoff from 10s.", "Tests live in spec/."),
            turn("b", 5, "Bump the payroll jobs retry to 5 attempts now."),
        ]
    )
    assert out["a"] == "Tests live in spec/."
    assert out["b"] == "Bump the payroll jobs retry to 5 attempts now."


def test_a_short_change_naming_only_its_subject_restates_it() -> None:
    out = sift(
        [turn("a", 0, "MSRV is 1.70, no newer std APIs."), turn("b", 3, "ok, MSRV goes to 1.74 then.")]
    )
    assert out["a"] is None


def test_without_a_word_of_change_nothing_is_restated() -> None:
    out = sift(
        [turn("a", 0, "Payroll jobs retry 3 attempts."), turn("b", 5, "Payroll jobs log 5 attempts a day.")]
    )
    assert out["a"] == "Payroll jobs retry 3 attempts."


def test_what_a_turn_says_stays_the_same_restates_nothing() -> None:
    out = sift(
        [
            turn("a", 0, "Branch names carry the ticket: `<type>/ORD-<n>-<slug>`."),
            turn("b", 4, "The ticket prefix stays ORD- so branch names don't change."),
        ]
    )
    assert out["a"] is not None


def test_an_agent_report_is_sifted_but_restates_nothing() -> None:
    out = sift(
        [
            turn("a", 0, "The nightly export runs at 02:30 now."),
            turn("r", 2, "Moved the nightly export to 03:15 as asked.", user=False),
            turn("b", 5, "The nightly export moves to 03:15 from tomorrow."),
        ]
    )
    assert out["a"] is None  # the user's change restates it, the agent's report did not need to
    assert out["r"] == "Moved the nightly export to 03:15 as asked."


def test_a_stored_rule_is_left_out_only_for_a_retired_value() -> None:
    rule = Item(
        "rule", day(0), ("We orchestrate with Airflow.",), whole=True, text="We orchestrate with Airflow."
    )
    other = Item("fact", day(0), ("The dev server runs on port 3000.",), whole=True, text="x")
    out = sift(
        [
            rule,
            other,
            turn("b", 3, "we're moving off Airflow to Dagster this quarter.", shown=False),
            turn("c", 4, "The dev server moves to port 5173 now."),
        ]
    )
    assert out["rule"] is None
    assert out["fact"] == "The dev server runs on port 3000."  # the learner's slots decide that
    assert "b" not in out  # not shown, but it retired Airflow


# A small team's chat in a voice the distiller has no shape for: a reviewer handing over,
# a cut-off date moved, a vendor signed — said in passing.
SESSIONS = [
    (
        0,
        [
            "hi! quick context: Bernard reviews anything that touches the loan schema.",
            ("assistant", "Noted, I will add Bernard to schema PRs."),
            "the train/valid cutoff is 2024-01-01, everything before is train.",
            "Analytics is Mixpanel today. All events go through the wrapper in Analytics.swift.",
        ],
    ),
    (
        6,
        [
            "news: Bernard has gone on leave for a few weeks, Adaeze reviews the loan schema meanwhile.",
            "new data landed, move the train/valid cutoff to 2024-04-01 now.",
            "we signed with Amplitude, so we're dropping Mixpanel at the end of the month.",
            ("assistant", "Understood."),
        ],
    ),
]


def test_the_briefing_shows_what_was_told_in_force_and_not_what_changed(mem) -> None:
    play(mem, SESSIONS, project="lib", start=T0)
    brief = mem.context("lib", max_tokens=1500).text
    told = brief.split("## What you were told")[1]
    for current in ("Adaeze", "2024-04-01", "Amplitude"):
        assert current in brief
    assert "2024-04-01" in told and "Analytics.swift" in brief  # what still holds stays
    for line in brief.splitlines():
        for old in ("Bernard", "2024-01-01", "Mixpanel"):
            if old in line:  # only the line that says it changed names the old value
                assert any(new in line for new in ("Adaeze", "2024-04-01", "Amplitude")), line
    assert "Noted, I will add Bernard" not in brief
