"""What the user told the agent, as a briefing reads it, and which of it a later word retired.

The distiller (memd.distill) turns the statements it recognises into rules and facts, but
people tell agents things in every shape; a turn of the user's that yielded no rule is still
what the agent was told. The briefing shows such turns as one line each (:func:`told_line`:
the prose a person wrote, without pasted output, questions and acknowledgements).

A line must not present a retired value as current. A user's turn retires a value when it
says it leaves it behind, found without any model, by its shape: "we're moving off Airflow to
Dagster", "dropping jest", "Thursday, not Wednesday", "migrations moved from goose to atlas",
"no new env_logger code", "Ravi moved to the billing team" (:func:`dropped_values`). (A
rule's own old versions are the learner's: superseded, never shown.)

:class:`Retired` keeps, per value, when it was retired; a line written before that and naming
the value is stale (:meth:`Retired.stale`) and stays out of the briefing. The store keeps
every turn as it was; only the briefing leaves them out.

This module is read on the hook's cold path: regular expressions only, no model.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from memd.residue import prose

# Who repeats rather than instructs: an agent's own words are not the user's rules.
AGENT_AUTHORS = frozenset("assistant agent ai model system claude codex cursor copilot".split())

MAX_TOLD_CHARS = 400  # a told line longer than this is cut, with "…"

# A value: code, or a name (a word, two when the second is a name too: "Terraform Cloud",
# "Thursday 16:00"), not a clause word.
_NOT_A_VALUE = frozenset(
    """a an the our my your their its it this that these those them they there here now then
    all any some every each one ones thing things stuff way ways bit part parts step steps
    code file files line lines test tests table tables function functions change changes
    branch column columns old new current same other others more less much many
    we i you he she us me him her who what which when where why how to from for in on of with
    and or but so as at by be is are was were do does did not no yes ok okay please too also
    just still already again back up down out over into onto about after before
    """.split()
)
_NAME = r"(?:`[^`\n]{1,60}`|[\w@](?:[\w.+#/:@-]*[\w+#])?)"
# The second word of a name starts with a capital or a digit, whatever the case flag says.
_VALUE = rf"(?P<art>(?:the|our|a|an)\s+)?(?P<old>{_NAME}(?:\s+(?-i:[A-Z0-9])[\w.+#:-]*[\w+#])?)"
# "drop a note in #releases", "replace the index": a plain word after an article is a thing,
# not a tool's name ("dropping jest"); with an article a name is written as one ("the Jest setup").
_PLAIN_WORD = re.compile(r"^[a-z][a-z-]*$")
_LEAVING = re.compile(
    r"\b(?:"
    # "moving off Airflow", "migrating away from poetry", "switch from yarn to pnpm"
    r"(?:mov|migrat|switch|port|transition|go|went|going)\w*\s+(?:away\s+)?(?:off(?:\s+of)?|from)"
    # "dropping jest", "we replaced Jest with Vitest", "stop using moment"
    r"|drop(?:p(?:ing|ed))?|ditch(?:ing|ed)?|retir(?:e|ing|ed)|replac(?:e|ing|ed)|rip(?:ping)?\s+out|"
    r"get(?:ting)?\s+rid\s+of|got\s+rid\s+of|(?:stop|stopped|quit)\s+using|deprecat(?:e|ing|ed)|sunset(?:ting)?|"
    r"phas(?:e|ing)\s+out|"
    # "instead of the old one", "no more yarn", "no new env_logger code", "no longer on Node 18"
    r"instead\s+of|rather\s+than|no\s+(?:more|new)|no\s+longer\s+(?:use|using|on|with|in)"
    r")\s+" + _VALUE,
    re.I,
)
# "freeze now starts Wednesday 16:00, not Thursday", "tabs, not spaces"
_NOT = re.compile(
    r"\w[\w`'\")]*\s*,\s*(?:and\s+)?not\s+" + _VALUE + r"(?=\s*(?:anymore|any\s+more)?\s*(?:[.,;!)]|$))", re.I
)
# "from 21 days to 28 days", "Jira -> Linear"
_FROM_TO = re.compile(
    r"\bfrom\s+(?:(?:the|our|a|an)\s+)?(?P<old>" + _NAME + r"(?:\s+[\w.:-]+)?)\s+to\s+(?:the\s+)?[\w`@]", re.I
)
_ARROW = re.compile(r"(?P<old>" + _NAME + r")\s*(?:->|→|=>)\s*\S")
# "X is gone", "X is out", "yarn is dead to us"
_GONE = re.compile(
    r"(?P<old>" + _NAME + r")\s+(?:is|are)\s+"
    r"(?:gone|out|dead|deprecated|retired|no\s+longer\s+(?:used|needed|allowed))\b",
    re.I,
)
# "marco's on paternity leave", "Jürgen goes in retirement", "Ravi moved to the billing
# team", "Tobias took over the payroll export reviews from Ingrid", "stop tagging Ravi"
_PERSON = r"([A-Za-zÀ-ÿ][\w'-]*?)"
_AWAY = re.compile(
    r"\b" + _PERSON + r"(?:'s|\s+is|\s+has(?:\s+gone)?|\s+goes|\s+went|\s+will\s+be)\s+(?:now\s+)?"
    r"(?:on\s+(?:\w+\s+)?leave|off\s+for|in(?:to)?\s+retirement|retir\w+|leaving\b|"
    r"(?:moving|moved)\s+to\s+(?:the\s+)?[\w-]+(?:\s+[\w-]+)?\s+(?:team|org|group|squad))"
    r"|\b(?:took|takes|taking)\s+over\b[^.;!?\n]{0,60}?\bfrom\s+" + _PERSON + r"\b"
    r"|\bstop\s+(?:tagging|asking|pinging|cc'?ing|assigning)\s+" + _PERSON + r"\b",
)
_CODE_SPAN = re.compile(r"`[^`\n]+`")


def _value(raw: str) -> str | None:
    value = raw.strip().strip("`").rstrip(".,;:!)")
    words = value.split()
    if not words or words[0].lower() in _NOT_A_VALUE or len(value) < 2:
        return None
    if len(words) == 2 and words[1].lower() in _NOT_A_VALUE:
        value = words[0]
    return value


def dropped_values(text: str) -> list[str]:
    """The values ``text`` says are left behind ("moving off Airflow" -> ["Airflow"])."""
    found: list[str] = []
    for pattern in (_LEAVING, _NOT, _FROM_TO, _ARROW, _GONE, _AWAY):
        for m in pattern.finditer(text):
            old = m.group("old") if "old" in m.re.groupindex else next((g for g in m.groups() if g), "")
            if "art" in m.re.groupindex and m.group("art") and _PLAIN_WORD.match(old):
                continue
            value = _value(old)
            if value is not None and value not in found:
                found.append(value)
    # "goes from 21 days to 28": the fullest reading of one value
    return [v for v in found if not any(v != w and w.startswith(v) for w in found)]


def names(text: str, value: str) -> bool:
    """Whether ``text`` names ``value`` as a whole word (case aside)."""
    return re.search(rf"(?<![\w-]){re.escape(value)}(?![\w-])", text, re.I) is not None


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


class Retired:
    """Values retired in a project, each with when it was retired (the latest word wins)."""

    def __init__(self) -> None:
        self._when: dict[str, tuple[str, datetime, str]] = {}  # key -> (value, when, by id)

    def add(self, value: str, when: datetime, by: str) -> None:
        key = value.lower()
        if key not in self._when or _aware(when) > self._when[key][1]:
            self._when[key] = (value, _aware(when), by)

    def __len__(self) -> int:
        return len(self._when)

    def stale(self, text: str, created_at: datetime, id: str | None = None) -> bool:
        """Whether ``text``, written at ``created_at``, names a value retired after that.

        A value inside code (`pnpm lint`) does not count: a command outlives a change said
        of one use of its tool ("we moved from pnpm to bun for installs")."""
        t = _aware(created_at)
        prose_only = _CODE_SPAN.sub(" ", text)
        return any(
            by != id and t < when and names(prose_only, value) for value, when, by in self._when.values()
        )


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


# "ok", "thanks, that's perfect!", "nice work on the refactor today": said to the agent,
# telling it nothing.
_ACK_WORD = (
    r"(?:ok(?:ay)?|k|yes|yeah|yep|sure|fine|good|great|nice|cool|thanks?(?:\s+(?:a\s+lot|so\s+much))?|"
    r"thank\s+you|thx|ty|lgtm|perfect|awesome|go\s+ahead|do\s+it|ship\s+it|push\s+it|sounds\s+good|"
    r"makes\s+sense|looks\s+good|agreed|right|done|correct|exactly|no|nope|hm+|wait|ah|oh|wow|"
    r"understood|noted|got\s+it|will\s+do|of\s+course|certainly|absolutely|"
    r"that'?s\s+(?:it|perfect|great|fine|good|right|better|nice|awesome)|"
    r"(?:nice|good|great|awesome)\s+(?:work|job|catch)(?:\s+(?:on|with)\s+[^.!]{0,60})?)"
)
_ACK = re.compile(rf"^(?:{_ACK_WORD}[\s,.!:)-]*)+[\W]*$", re.I)


# A question typed without its mark: "what about the old Twilio webhook".
_ASKS = re.compile(
    r"^(?:what|how|why|where|when|which|who)\b(?!\s+(?:we|i)\s+(?:need|want|do)\b)"
    r"|^(?:can|could|would|should|shall|do|does|did|is|are|was|were|will)\s+(?:you|we|i|it|this|that|they|there)\b",
    re.I,
)


# What the speaker will do, not what they tell: "I'll make sure to end argument names with
# '_j' from now on" (a listener's echo of a rule, which the rule itself speaks for).
_ECHO = re.compile(
    r"^(?:i(?:'ll| will|'m going to| am going to| shall)|will do|got it|understood|noted|"
    r"i understand|i see|i'll make sure)\b",
    re.I,
)


def told_sentences(text: str) -> list[str]:
    """What a user's turn says: its sentences without pasted tool output, questions and
    bare acknowledgements."""
    kept = []
    for s in _sentences(prose(text)):
        plain = s.strip(" -*>#")
        if not plain or plain.endswith("?") or _ACK.match(plain) or _ASKS.match(plain) or _ECHO.match(plain):
            continue
        if len(re.findall(r"\w+", plain)) < 3:
            continue
        kept.append(plain)
    return kept


def event_sentences(text: str) -> list[str]:
    """An event's (an agent's report's) sentences, without pasted tool output or a bare
    acknowledgement ("Understood.")."""
    said = (s.strip(" -*>#") for s in _sentences(prose(text)))
    return [s for s in said if s and not _ACK.match(s)]


def one_line(sentences: list[str] | str, limit: int = MAX_TOLD_CHARS) -> str | None:
    """Sentences as one line of at most ``limit`` characters ("…" where cut)."""
    line = " ".join((sentences if isinstance(sentences, str) else " ".join(sentences)).split())
    if not line:
        return None
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def told_line(text: str) -> str | None:
    """A user's turn as one briefing line (:func:`told_sentences`); None when nothing is left."""
    return one_line(told_sentences(text))


def is_user(author: str | None) -> bool:
    """A turn of the person's (any author but an agent's; None: a note, not a turn)."""
    return bool(author) and (author or "").strip().lower() not in AGENT_AUTHORS
