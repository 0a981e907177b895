"""memd.overruled: a rule learned in conversation that a current instruction file contradicts
is not shown as current; the briefing names the file and its words (the file wins)."""

from __future__ import annotations

from records_support import record

from memd.briefing import OVERRULED_TITLE
from memd.overruled import overruled
from memd.records import Kind


def test_a_rule_the_file_says_otherwise_is_overruled_and_others_are_not() -> None:
    yarn = record("Use `yarn` to install packages.", source="distill", kind=Kind.PROCEDURAL, n=1)
    tests = record("Run the tests with `make test`.", source="distill", kind=Kind.PROCEDURAL, n=2)
    typed = record("Use `yarn` to install packages.", source="cli", kind=Kind.PROCEDURAL, n=3)
    claude = record(
        "Setup\nInstall packages with `pnpm install`, never npm.",
        source="watch",
        kind=Kind.SEMANTIC,
        source_id="CLAUDE.md#setup",
        n=4,
    )
    (o,) = overruled([yarn, tests, typed], [claude])  # a note typed by a person is not learned
    assert o.rule is yarn and o.file == "CLAUDE.md" and "pnpm install" in o.says


def test_the_briefing_shows_the_files_word_not_the_learned_rule(mem, tmp_path) -> None:
    mem.remember_many(
        [
            {
                "text": "from now on use `yarn` to install packages",
                "author": "user",
                "project": "p",
                "source": "import",
            },
            {
                "text": "always run `make lint` before pushing",
                "author": "user",
                "project": "p",
                "source": "import",
            },
            {
                "text": "Setup\nInstall packages with `pnpm install`, never npm.",
                "project": "p",
                "kind": "semantic",
                "tags": ["doc", "instructions"],
                "source": "watch",
                "source_id": "CLAUDE.md#setup",
            },
        ]
    )
    learned = [m for m in mem.list(project="p", limit=None) if m.source == "distill"]
    assert any("yarn" in m.text for m in learned), "the learner read no rule: the test would prove nothing"
    text = mem.context("p").text
    assert f"## {OVERRULED_TITLE}" in text
    (line,) = [ln for ln in text.splitlines() if "yarn" in ln]
    assert line.startswith("- CLAUDE.md: Install packages with `pnpm install`")
    assert "the file wins" in line
    assert "make lint" in text  # a rule no file contradicts stays a rule
