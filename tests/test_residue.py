"""Pasted tool output is not what a person said (memd.residue): the distiller reads no rule or
fact in it."""

from __future__ import annotations

import pytest

from memd.distill import Distiller
from memd.residue import prose, residue_line

CI_PASTE = """CI on #427 is red:

```
✓ lint (41s)
✗ e2e (2m 12s)
  Error: browserType.launch: Executable doesn't exist
```
can you fix it?
Always run `make check` before pushing.
$ npm install
npm ERR! code ERESOLVE
Error: Process completed with exit code 1."""


@pytest.mark.parametrize(
    "line",
    [
        "$ pnpm --filter web remove cypress",
        "  at Object.<anonymous> (src/cart.ts:3:5)",
        'File "app/models.py", line 12, in save',
        "Traceback (most recent call last):",
        "Error: Process completed with exit code 1.",
        "TypeError: cannot read properties of undefined",
        "sh: 1: jest: not found",
        "npm ERR! code ERESOLVE",
        "✗ e2e (2m 12s)",
        "PASS src/cart.test.ts",
        "2026-03-02 09:14:03 INFO worker started",
        "[ERROR] connection refused",
    ],
)
def test_tool_output_lines(line: str) -> None:
    assert residue_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "# Project rules",
        "OK so let's use pnpm from now on.",
        "Errors go to Sentry, never to stdout.",
        "- Use `make check` before pushing",
        "Error handling: wrap every call to the payments API.",
        "Passwords live in 1Password, not in .env files.",
    ],
)
def test_lines_a_person_writes(line: str) -> None:
    assert not residue_line(line)


def test_prose_keeps_what_was_said_and_a_fenced_list_of_rules() -> None:
    kept = prose(CI_PASTE)
    assert "Always run `make check` before pushing." in kept
    assert "CI on #427 is red:" in kept
    for gone in ("✓ lint", "browserType", "$ npm install", "npm ERR!", "exit code 1"):
        assert gone not in kept
    pasted = (
        "here's the new CLAUDE.md:\n```\n# Rules\n- Use pnpm, never npm\n- Tests live next to the code\n```"
    )
    assert "- Use pnpm, never npm" in prose(pasted) and "```" not in prose(pasted)
    diff = "```diff\n-Primary rotates weekly at 10:00.\n+Primary rotates weekly at 16:00.\n```"
    assert prose(diff).strip() == ""
    plain = "Use pnpm. Never npm."
    assert prose(plain) is plain  # nothing pasted: the text itself


def test_the_distiller_reads_nothing_in_a_pasted_log_and_the_rule_beside_it() -> None:
    found = Distiller().distill(CI_PASTE, author="user")
    texts = " | ".join(st.text for st in found)
    assert "make check" in texts
    assert "exit code" not in texts and "browserType" not in texts and "ERESOLVE" not in texts
    assert Distiller().distill("Error: Process completed with exit code 1.", author="user") == []
