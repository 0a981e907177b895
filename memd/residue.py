"""What a turn pastes rather than says: tool output, shell sessions, logs, diffs.

Developers paste CI logs, stack traces and terminal sessions into a chat, and agents report
what their tools printed. None of it is a rule, decision or fact a person stated, but read
as sentences it becomes "facts" ("Error: Process completed with exit code 1.") in the
briefing. :func:`prose` keeps what a person wrote and drops the rest, by the shape of the
lines — not by any one tool's wording (the distiller reads only what it keeps; the stored
turn is unchanged):

* a fenced block (```) is dropped when most of its lines look like terminal or code
  output; a fenced block of prose or of a bulleted list (a CLAUDE.md pasted in a fence)
  stays, without its fences;
* outside fences, a line that is a shell prompt (``$ cmd``, ``PS C:\\>``, ``>>>``), a
  test runner's or CI's status line (✓ ✗ PASS FAIL), a stack frame, or a log line with a
  level or error marker is dropped.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^\s*(```|~~~)")
_PROMPT = re.compile(r"^\s*(?:\$|>\s*\$|PS [A-Z]:\\[^>]*>|>>>|[\w.-]+@[\w.-]+:[^$#]*[$#])\s+\S")
_STATUS = re.compile(
    r"^\s*(?:[✓✔✗✘✕⨯]|\[(?:PASS|FAIL|FAILED|PASSED|ERROR|WARN|WARNING|INFO|DEBUG|OK|SKIP)\]|"
    r"(?:PASS|FAIL|FAILED|PASSED|ERROR|WARN|WARNING|INFO|DEBUG)[: ]|"
    r"=+ .* =+$|-+ .* -+$|\d+ (?:passed|failed)\b|Tests?:\s+\d|Ran \d+ tests?)",
)
_TRACE = re.compile(
    r"^\s*(?:at \S+ \(|at \S+:\d+|File \"[^\"]+\", line \d+|Traceback \(most recent call last\)|"
    r"\S*Error: |\S*Exception: |(?:ba|z)?sh: (?:line )?\d+: |error(?:\[\w+\])?: |"
    r"npm ERR!|gyp ERR!|warning: |panic: |fatal: |"
    r"E\s{2,}|\^+\s*$|--> \S+:\d+|\d+ \|)"
)
_LOG = re.compile(r"^\s*\[?\d{4}-\d\d-\d\d[T ]\d\d:\d\d|^\s*\d\d:\d\d:\d\d[.,]\d+\s")
# Inside a fence: lines of code or diff (a statement ending in ; { } ), an assignment, a
# call, a diff marker, an indented block).
_CODE = re.compile(
    r"^(?:[+-](?![-+\s]*$)|@@|diff --git|index [0-9a-f]+|\s{2,}\S|\s*[}\])]|.*[;{]\s*$|"
    r"\s*(?:def|class|import|from|return|if|for|while|func|fn|let|const|var|public|private|"
    r"package|use|async|await|SELECT|INSERT|UPDATE|CREATE)\b|\s*[\w.]+\s*[:+-]?=\s*\S|\s*\w[\w.]*\(.*\)\s*$)"
)
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+\S")


def residue_line(line: str) -> bool:
    """A line a tool printed (prompt, status, stack frame, log), not one a person wrote."""
    return bool(_PROMPT.match(line) or _STATUS.match(line) or _TRACE.match(line) or _LOG.match(line))


def _output_block(lines: list[str]) -> bool:
    body = [ln for ln in lines if ln.strip()]
    if not body:
        return True
    prose = sum(
        1
        for ln in body
        if _BULLET.match(ln) or (not residue_line(ln) and not _CODE.match(ln) and len(ln.split()) >= 4)
    )
    return prose * 2 < len(body)


def prose(text: str) -> str:
    """``text`` without pasted tool output (see the module's docstring); unchanged when it
    has none, so a turn of plain prose costs one scan."""
    if "```" not in text and "~~~" not in text and not any(residue_line(ln) for ln in text.splitlines()):
        return text
    out: list[str] = []
    block: list[str] | None = None
    for line in text.splitlines():
        if _FENCE.match(line):
            if block is None:
                block = []
            else:
                if not _output_block(block):
                    out += block
                block = None
            continue
        if block is not None:
            block.append(line)
        elif not residue_line(line):
            out.append(line)
    if block is not None and not _output_block(block):  # an unclosed fence
        out += block
    return "\n".join(out)
