"""Which kind of text a file is — a plain-text chat or a document — on strong evidence only,
and pieces of it that drop nothing.

A CLAUDE.md holds lines like ``maxTokens: 100,`` in a code block and "Note: the server is
bidirectional" in prose; read as a chat, everything before the first such line was lost and
code lines became turns of speakers "maxTokens". A file is read as a plain-text chat only
when (:func:`is_chat`):

* its ``Name: text`` lines stand outside code fences and start with a capital or a known
  speaker word (user, assistant, human, ai, me, …);
* at least two turns, at most :data:`MAX_SPEAKERS` speakers, and the speaker changes;
* the turns hold most of the file: no more than :data:`MAX_PREAMBLE` of its non-blank lines
  come before the first turn, and no Markdown heading stands among the turns;
* a known speaker word is among the speakers, or every speaker speaks at least twice and no
  heading comes before the first turn.

Whatever is read, nothing is dropped or cut: a chat's preamble is a piece of its own, a
long turn or section is split at paragraph (else line) boundaries into pieces of at most
``max_chars``, each section piece starting with its heading path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MAX_SPEAKERS = 4
MAX_PREAMBLE = 0.2  # share of the non-blank lines that may come before the first turn
_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+\S")
_BLOCK = re.compile(r"^\s*(?:[-*+•>|]|\d+[.)]|#)\s")
_KNOWN = frozenset(
    "user assistant human ai me you bot model system claude chatgpt gpt copilot cursor gemini codex "
    "agent".split()
)
_CHAT_LINE = re.compile(
    r"^(?P<who>[A-Z][\w .'-]{0,30}|user|assistant|human|ai|me)\s*:\s+(?P<text>\S.*)$", re.I
)
_NOT_A_SPEAKER = re.compile(
    r"^(?:note|warning|tip|important|example|e\.g|todo|fixme|usage|see|step \d+|q|a|re|fyi|ps|nb|"
    r"output|input|result|error|response|request|answer|question|summary|update)$",
    re.I,
)

Turn = tuple[str, str]  # (speaker, text)


def chat_turns(lines: Iterable[str]) -> tuple[list[str], list[Turn]]:
    """(the lines before the first turn, the turns): ``Name: text`` lines outside code fences
    start a turn, every other line continues the last one."""
    preamble: list[str] = []
    turns: list[Turn] = []
    in_fence = False
    for line in lines:
        if _FENCE.match(line):
            in_fence = not in_fence
        m = None if in_fence else _CHAT_LINE.match(line.strip())
        if m and not _NOT_A_SPEAKER.match(m.group("who").strip()):
            turns.append((m.group("who").strip(), m.group("text").strip()))
        elif turns:
            who, text = turns[-1]
            # A wrapped line goes on the sentence; code, lists and paragraphs keep their lines.
            block = in_fence or _FENCE.match(line) or _BLOCK.match(line) or text.endswith("\n")
            turns[-1] = (who, f"{text}\n{line}" if block or not line.strip() else f"{text} {line.strip()}")
        else:
            preamble.append(line)
    return preamble, [(who, text.strip()) for who, text in turns]


def is_chat(raw: str) -> bool:
    """Whether ``raw`` is a plain-text chat (see the module's rules)."""
    lines = raw.splitlines()
    preamble, turns = chat_turns(lines)
    if len(turns) < 2:
        return False
    speakers = [who.lower() for who, _ in turns]
    distinct = set(speakers)
    if len(distinct) > MAX_SPEAKERS or len(distinct) < 2:
        return False
    nonblank = sum(1 for ln in lines if ln.strip())
    if sum(1 for ln in preamble if ln.strip()) > MAX_PREAMBLE * nonblank:
        return False
    if any(_HEADING.match(ln) for _, text in turns for ln in text.splitlines()):
        return False  # a document with a few "Name: value" lines under its headings
    if distinct & _KNOWN:
        return True
    # Named people only: a Markdown file with a heading is a document ("# Owners / Dana: billing").
    headed = any(_HEADING.match(ln) for ln in preamble)
    return not headed and all(speakers.count(s) >= 2 for s in distinct)


def pieces(text: str, max_chars: int) -> list[str]:
    """``text`` in pieces of at most ``max_chars``, split at blank lines, else at line ends,
    else (one very long line) at spaces, else hard; nothing but the whitespace at a split is
    dropped."""
    if len(text) <= max_chars:
        return [text]
    sep = next((s for s in ("\n\n", "\n", " ") if s in text.strip()), None)
    if sep is None:
        return [text[i : i + max_chars] for i in range(0, len(text), max_chars)]
    out: list[str] = []
    cur = ""
    for part in text.split(sep):
        joined = f"{cur}{sep}{part}" if cur else part
        if len(joined) <= max_chars:
            cur = joined
            continue
        if cur.strip():
            out.append(cur)
        if len(part) > max_chars:
            out += pieces(part, max_chars)
            cur = ""
        else:
            cur = part
    if cur.strip():
        out.append(cur)
    return [p.strip("\n") for p in out if p.strip()]


def lines_kept(raw: str, texts: list[str]) -> tuple[int, int]:
    """(non-blank lines of ``raw``, how many of them some text holds): each line compared
    without its heading marks, a chat line without its speaker, whitespace collapsed."""
    held = [" ".join(t.split()) for t in texts]
    total = kept = 0
    for line in raw.splitlines():
        text = " ".join(line.strip().lstrip("#").split())
        if not text:
            continue
        total += 1
        m = _CHAT_LINE.match(text)
        said = m.group("text") if m else text
        if any(text in h or said in h for h in held):
            kept += 1
    return total, kept
