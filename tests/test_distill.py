"""The distiller alone (no store): what a turn says, in the voice people use with coding
agents. Every example here is written for this test, none is taken from a benchmark."""

from __future__ import annotations

import pytest

from memd.distill import Distiller, Statement
from memd.distill.sentences import split_sentences, strip_lead_in
from memd.distill.subjects import subject_key
from memd.records import Kind

D = Distiller()


def one(text: str) -> Statement:
    found = D.distill(text)
    assert len(found) == 1, [s.text for s in found]
    return found[0]


@pytest.mark.parametrize(
    ("text", "slot", "value"),
    [
        ("From now on, prefix private helpers with an underscore.", "private helper|prefix", "'_'"),
        ("Branch names should start with `feat/`.", "branch|prefix", "`feat/`"),
        ("Please end test file names with `_test`.", "test file|suffix", "`_test`"),
        ("Use snake_case for database columns.", "database column|case", "snake_case"),
        ("JSON fields should be in camelCase.", "json field|case", "camelCase"),
        ("Tests run with `pytest -n auto`.", "test|tool", "`pytest -n auto`"),
        (
            "Commit messages should follow Conventional Commits.",
            "commit message|style",
            "Conventional Commits",
        ),
        ("we're on Python 3.12 now", "python|version", "3.12"),
        ("Use 4 spaces for indentation.", "indentation|use", "4 spaces"),
        ("When naming React hooks, start them with `use`.", "react hook|prefix", "`use`"),
    ],
)
def test_a_rule_gets_its_subject_and_value(text: str, slot: str, value: str) -> None:
    st = one(text)
    assert st.slot == slot
    assert st.value == value


def test_two_rules_in_one_sentence_are_two_statements_with_their_own_clause() -> None:
    found = D.distill("Going forward, start handler names with `on_` and end event names with `_evt`.")
    assert [s.slot for s in found] == ["handler|prefix", "event|suffix"]
    assert found[0].text == "Start handler names with `on_`."
    assert found[1].text == "End event names with `_evt`."


def test_a_pronoun_takes_the_subject_the_sentence_just_named() -> None:
    found = D.distill("Start fixture names with `fx_` and end them with `_data`.")
    assert [s.slot for s in found] == ["fixture|prefix", "fixture|suffix"]


def test_the_context_clause_names_the_subject_of_a_vague_rule() -> None:
    st = one("When naming feature flags, please end the identifier with `_enabled`.")
    assert st.slot == "feature flag|suffix"


def test_prefix_and_suffix_of_one_subject_are_two_slots() -> None:
    a = one("Prefix function arguments with `p_`.")
    b = one("End function arguments with `_in`.")
    assert a.slot != b.slot


def test_additive_rules_keep_their_item_in_the_slot() -> None:
    a = one("Always add the `@cached` decorator to service methods.")
    b = one("Always add the `@traced` decorator to service methods.")
    assert a.slot != b.slot
    assert a.slot == "service method decorator|decorator|cached"


def test_a_negation_names_the_same_slot_as_the_rule_it_cancels() -> None:
    pos = one("Always add the `@cached` decorator to service methods.")
    neg = one("Stop adding the `@cached` decorator to service methods.")
    assert neg.negated and not pos.negated
    assert neg.slot == pos.slot


def test_instead_of_records_what_it_replaces_and_leaves_it_out_of_the_text() -> None:
    st = one("Use Vitest instead of Jest for unit tests.")
    assert st.replaces == "Jest"
    assert "Jest" not in st.text
    assert one("Use pnpm, not npm.").replaces == "npm"


def test_a_decision_with_its_reason_is_a_decision() -> None:
    st = one("We switched from Jest to Vitest because Jest was too slow with ESM.")
    assert st.kind is Kind.DECISION
    assert st.replaces == "Jest"
    assert st.value == "Vitest"


@pytest.mark.parametrize(
    "text",
    [
        "Sure, I'll use snake_case for the columns from now on.",  # the agent repeating
        "Got it. I will prefix private helpers with an underscore.",
        "Should we start test names with `test_`?",  # a question
        "Thanks, that was really helpful!",  # chit-chat
        "Maybe we could use Redis for caching.",  # a hedge
        "I used to end my variable names with `_v` at my old job.",  # history
        "Don't hesitate to ping me if you get stuck.",
        "Always happy to help.",
    ],
)
def test_no_statement_in_chit_chat_echoes_questions_and_hedges(text: str) -> None:
    assert D.distill(text) == []


def test_facts_owners_problems_and_preferences_get_their_kinds() -> None:
    assert one("The staging API is at https://staging.internal/api.").kind is Kind.SEMANTIC
    owner = one("Priya owns the billing service.")
    assert owner.kind is Kind.SEMANTIC and owner.value == "Priya"
    problem = one("The e2e tests are flaky on CI and we still need to fix them.")
    assert problem.kind is Kind.EPISODIC and "open" in problem.tags
    assert one("I prefer early returns over nested ifs.").kind is Kind.PREFERENCE


def test_claude_md_bullets_are_read_one_by_one() -> None:
    text = "## Rules\n- Use pnpm, not npm\n- Never commit directly to main\n- Tests run with `pnpm vitest`\n"
    found = D.distill(text)
    assert [s.text for s in found] == [
        "Use pnpm, not npm.",
        "Never commit directly to main.",
        "Tests run with `pnpm vitest`.",
    ]
    assert found[1].kind is Kind.PROCEDURAL and found[1].negated


def test_an_unbound_rule_is_marked_so() -> None:
    st = one("Actually, we use a leading `h_` now.")
    assert st.slot is None and "unbound" in st.tags and st.aspect == "prefix"


def test_sentences_do_not_break_inside_code_quotes_or_versions() -> None:
    text = "Run `make test. now` first. Python 3.12.1 is required! Don't touch src/legacy/v1.py please."
    assert split_sentences(text) == [
        "Run `make test. now` first.",
        "Python 3.12.1 is required!",
        "Don't touch src/legacy/v1.py please.",
    ]
    # An apostrophe is not a quote: the sentence still ends at "follow."
    assert len(split_sentences("I'd like you to follow. For names, end them with '_q'.")) == 2


def test_lead_ins_and_politeness_are_stripped() -> None:
    assert strip_lead_in("Going forward, I'd like you to use tabs.") == "Use tabs."
    assert strip_lead_in("Also, please make sure to run the linter.") == "Run the linter."


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("function argument names", "the names of your function arguments"),
        ("args", "arguments"),
        ("all your private helper names", "private helpers"),
        ("all variable names related to this task", "variable names"),
    ],
)
def test_two_wordings_of_one_subject_share_a_key(a: str, b: str) -> None:
    assert subject_key(a) == subject_key(b) != ""


def test_distilling_is_cheap() -> None:
    # Speed is measured in benchmarks/conventions.py; this only guards against a regex
    # that backtracks without end on a long, rule-dense turn.
    text = " ".join(["Start names with `a_` and end them with `_b`, always, for every module."] * 40)
    assert D.distill(text)


@pytest.mark.parametrize(
    ("text", "kind", "slot"),
    [
        ("nit: we don't use `any` in this codebase", Kind.PROCEDURAL, None),
        ("per our style guide, constants are SCREAMING_SNAKE_CASE", Kind.PROCEDURAL, "constant|case"),
        (
            "going forward all PRs need a changelog entry",
            Kind.PROCEDURAL,
            "pull request|include|changelog entry",
        ),
        ("new endpoints go under /api/v2 now", Kind.PROCEDURAL, "endpoint|location"),
        (
            "can you make sure every migration has a down step?",
            Kind.PROCEDURAL,
            "migration|include|down step",
        ),
        ("I'd rather you didn't add new dependencies without asking", Kind.PREFERENCE, None),
        ("our main branch is `develop`, not `main`", Kind.SEMANTIC, "main branch|value"),
        ("DB migrations are run with `alembic upgrade head`", Kind.SEMANTIC, "database migration|tool"),
        ("Avoid global state.", Kind.PROCEDURAL, None),
        (
            "all React components should be function components, no class components",
            Kind.PROCEDURAL,
            "react component|form",
        ),
        ("let's keep functions under 50 lines", Kind.PROCEDURAL, "function|limit"),
        ("OK so from now on imports should be sorted with isort", Kind.PROCEDURAL, "import|style"),
        (
            "type hints are mandatory for public functions",
            Kind.PROCEDURAL,
            "public function|include|type hints",
        ),
        (
            "Commit messages must start with the ticket id, e.g. ABC-123.",
            Kind.PROCEDURAL,
            "commit message|prefix",
        ),
        ("Tom is the owner of the auth service", Kind.SEMANTIC, "auth service owner|owner"),
        ("always write tests for new features before merging", Kind.PROCEDURAL, "feature|include|tests"),
    ],
)
def test_review_comments_and_chat_rules_are_read(text: str, kind: Kind, slot: str | None) -> None:
    st = one(text)
    assert (st.kind, st.slot) == (kind, slot)


def test_a_one_off_task_is_not_a_rule() -> None:
    assert D.distill("Rename the `utils` folder to `helpers`.") == []


def test_a_valued_fact_in_no_known_shape_gets_the_words_around_its_value() -> None:
    a = one("The payments gateway uses 12 worker threads in staging.")
    assert (a.kind, a.aspect, a.value) == (Kind.SEMANTIC, "fact", "12")
    assert D.distill("I ran 5 miles yesterday with my dog") == []  # not about the work


def test_a_port_is_a_setting_of_what_listens_on_it() -> None:
    a = one("The staging payments service listens on port 4312.")
    b = one("we moved staging payments to port 6000")
    assert (a.kind, a.aspect, a.value, b.value) == (Kind.SEMANTIC, "value", "4312", "6000")
    # two wordings of one subject: the learner binds the shorter to the longer (nested)
    assert a.slot == "staging payment service port|value" and b.slot == "staging payment port|value"


def test_a_rule_gets_its_subject_from_the_next_sentence() -> None:
    found = D.distill("Please use the `@retry` decorator from tenacity. Add it to all your API clients.")
    assert [(s.slot, "unbound" in s.tags) for s in found] == [("api client decorator|decorator|retry", False)]
    found = D.distill("Always include a type hint on your public functions. Do the same for class methods.")
    assert [s.slot for s in found][-1] == "class method|include|type hint"


@pytest.mark.parametrize(
    ("text", "kind", "slot"),
    [
        ("we are dropping black, ruff format is our formatter now", Kind.SEMANTIC, "formatter|value"),
        ("let's go with tailwind for styling", Kind.PROCEDURAL, "styling|use"),
        ("we standardized on pydantic v2 for validation", Kind.DECISION, "validation|use"),
        ("no more console.log in committed code", Kind.PROCEDURAL, None),
        ("Use docstrings for functions.", Kind.PROCEDURAL, "function|use|docstrings"),  # one of several
    ],
)
def test_tools_for_a_purpose_hold_one_value_and_features_several(
    text: str, kind: Kind, slot: str | None
) -> None:
    st = one(text)
    assert (st.kind, st.slot) == (kind, slot)


@pytest.mark.parametrize(
    ("text", "slot"),
    [
        ("Going forward please name booleans with an is_ prefix", "boolean|prefix"),
        ("name private helpers with a leading underscore", "private helper|prefix"),
        ("Every new module needs a docstring at the top.", "module|include|docstring"),
        ("Heads up: from today, API responses must use camelCase keys.", "api response|case"),
        ("Errors should be logged with logger.exception, never print.", "error|style"),
    ],
)
def test_more_ways_people_state_a_rule(text: str, slot: str) -> None:
    assert one(text).slot == slot


def test_every_day_chat_with_a_quantifier_is_not_a_rule() -> None:
    assert D.distill("Every day needs some fun.") == []
