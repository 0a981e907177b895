"""Who does what for a part of the project: "Priya owns the payments service", "Jonas
reviews migrations now", "migrations must be approved by Marta". A role is one person at
a time, so a newer statement about the same part and role replaces the older one."""

from __future__ import annotations

import re
from dataclasses import dataclass

_PERSON = r"(?P<person>[A-Z][a-z]+(?:\s[A-Z][a-z]+)?|@[\w-]+)"
_ROLE_OF = {
    "owns": "owner",
    "maintains": "owner",
    "is responsible for": "owner",
    "is the owner of": "owner",
    "looks after": "owner",
    "is in charge of": "owner",
    "takes care of": "owner",
    "handles": "owner",
    "reviews": "reviewer",
    "approves": "reviewer",
    "signs off on": "reviewer",
    "is the reviewer for": "reviewer",
    "is on call for": "on call",
}
_PASSIVE_ROLE = {
    "reviewed": "reviewer",
    "approved": "reviewer",
    "signed off": "reviewer",
    "owned": "owner",
    "maintained": "owner",
}
_SUBJECT = r"(?:the\s+|all\s+|our\s+|any\s+|every\s+)?(?P<subject>[\w./-]+(?:\s+[\w./-]+){0,4}?)"
_ACTIVE = re.compile(
    r"(?:^|[,;:—–]\s*|\b(?:and|so|now)\s+)"
    + _PERSON
    + r"\s+(?:now\s+|also\s+)?(?P<verb>"
    + "|".join(sorted(map(re.escape, _ROLE_OF), key=len, reverse=True))
    + r")\s+"
    + _SUBJECT
    + r"(?=\s+(?:now|from now on|going forward|too|as well|these days|before|,)\b|\s*[.,;!]|\s*$)"
)
_PASSIVE = re.compile(
    r"(?:^|[,;:]\s*)"
    + _SUBJECT
    + r"\s+(?i:should|must|need\s+to|needs\s+to|have\s+to|has\s+to|are|is|get|gets)\s+(?:always\s+|now\s+|only\s+)*"
    r"(?i:be\s+)?(?P<verb>(?i:reviewed|approved|signed\s+off|owned|maintained))\s+(?i:only\s+)?(?i:by)\s+"
    + _PERSON
)
# "Kim is our designer", "Sam is the tech lead for payments": a role held in the project.
_IS_ROLE = re.compile(
    r"(?:^|[,;:—–]\s*)"
    + _PERSON
    + r"\s+is\s+(?:now\s+)?(?:our|the)\s+(?:new\s+)?(?P<role>designer|tech\s+lead|team\s+lead|lead|pm|product\s+manager|"
    r"maintainer|qa|architect|dba|release\s+manager|security\s+contact|point\s+of\s+contact)"
    r"(?:\s+(?:for|of|on)\s+(?:the\s+)?(?P<subject>[\w./-]+(?:\s+[\w./-]+){0,3}?))?(?=\s*[.,;!]|\s*$)"
)
# Capitalised words that start a sentence but name nobody.
_NOBODY = frozenset(
    "we you they it this that the ci everyone nobody someone somebody he she our your their "
    "each every all none tests test".split()
)


@dataclass(frozen=True)
class Role:
    subject: str  # the part of the project ("migrations")
    role: str  # "owner", "reviewer", "on call"
    person: str
    start: int
    end: int


def find_role(sentence: str) -> Role | None:
    m = _IS_ROLE.search(sentence)
    if m is not None and m.group("person").split()[0].lower() not in _NOBODY:
        role = " ".join(m.group("role").lower().split())
        subject = " ".join((m.group("subject") or "project").split())
        return Role(subject, role, m.group("person"), m.start("person"), m.end())
    for pattern, roles in ((_ACTIVE, _ROLE_OF), (_PASSIVE, _PASSIVE_ROLE)):
        m = pattern.search(sentence)
        if m is None:
            continue
        person = m.group("person")
        if person.split()[0].lower() in _NOBODY:
            continue
        verb = " ".join(m.group("verb").lower().split())
        subject = " ".join(m.group("subject").split()).strip(" ,.")
        if subject.lower() in ("it", "this", "that", "them", "things", "everything"):
            continue
        return Role(
            subject, roles[verb], person, m.start("person") if pattern is _ACTIVE else m.start(), m.end()
        )
    return None
