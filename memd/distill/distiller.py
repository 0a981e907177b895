"""From a turn of conversation to the durable statements in it (zero-LLM).

A statement is stored as its own typed memory: a convention or rule (procedural), a
preference, a decision with its reason, a project fact, or an open problem. Chit-chat,
questions, hypotheticals and an agent's own restatements ("I'll make sure to ...") are
not statements. Each statement has a subject and a value; its *slot* (subject plus
aspect) is what a later statement must share to replace it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from memd.distill import cues
from memd.distill.facts import bag_key, value_fact
from memd.distill.found import Found
from memd.distill.frames import find_rules
from memd.distill.lists import is_listed, listed_items, tool_for
from memd.distill.quantities import clause_of, find_quantities
from memd.distill.roles import find_role
from memd.distill.sentences import split_sentences, strip_lead_in
from memd.distill.subjects import GENERIC, canonical_words, is_vague, subject_key, subject_words
from memd.distill.words import LITERAL, normalize
from memd.records import Kind
from memd.residue import prose

MAX_SENTENCE_CHARS = 400
MAX_PROBLEM_CHARS = 300


@dataclass(frozen=True)
class Statement:
    """One durable statement found in a turn."""

    kind: Kind
    text: str  # what is stored: the clause that states it, without openers
    subject: str  # what it is about, in the speaker's words ("function argument names")
    aspect: str  # which side of the subject it fixes ("prefix", "case", "tool", "value")
    value: str  # the value it gives ("'h_'", "pytest -n auto"); "" for a plain rule
    exclusive: bool = True  # one value at a time per (subject, aspect)
    negated: bool = False
    replaces: str | None = None  # a value it names as the old one ("instead of X")
    tags: tuple[str, ...] = field(default=())

    @property
    def subject_key(self) -> str:
        if self.aspect == "fact":  # already a key: the sorted bag of the fact's words
            return self.subject
        return subject_key(self.subject) or self.subject.lower()

    @property
    def slot(self) -> str | None:
        """The key a later statement must share to replace this one (None: never)."""
        if not self.subject_key:
            return None
        if self.exclusive and not self.negated:
            return f"{self.subject_key}|{self.aspect}"
        return f"{self.subject_key}|{self.aspect}|{_norm(self.value)}"

    @property
    def exclusive_slot(self) -> str | None:
        """The one-value slot this statement's value would sit in (for negations)."""
        return f"{self.subject_key}|{self.aspect}" if self.subject_key else None


def _norm(value: str) -> str:
    return " ".join(value.lower().strip("'\"`‘’“”@ ").split())


_ASPECT_WORDS = {
    "prefix": "names",
    "suffix": "names",
    "contains": "names",
    "case": "names",
    "decorator": "",
    "import": "",
}


def _display_subject(target: str, aspect: str) -> str:
    words = target.strip()
    if aspect == "decorator":
        return f"{subject_key(words)} decorators"
    if aspect == "import":
        return "imports"
    suffix = _ASPECT_WORDS.get(aspect, "")
    if suffix and not re.search(r"\b(?:names?|identifiers?)\b", words, re.I):
        return f"{subject_key(words)} {suffix}"
    return subject_key(words) + (" names" if suffix else "")


def _clause_text(sentence: str, f: Found, many: bool, original: str | None = None) -> str:
    """The words to store: the whole sentence for one rule (as said, before the
    frames' normalising), the rule's clause for many."""
    text = f.text or ((original or sentence) if not many else sentence[f.start : f.end])
    if f.replaces:  # "use structlog instead of the stdlib logging module": the old value goes
        # ("X, not Y" stays: it reads as the rule itself)
        text = re.sub(
            r",?\s+(?:instead\s+of|rather\s+than)\s+(?:the\s+|a\s+|an\s+|our\s+)?"
            + re.escape(f.replaces)
            + r"(?:\s+(?:module|library|package|tool|one|version|api))?(?=[\s.,;!)]|$)",
            "",
            text,
            flags=re.I,
        )
    text = re.sub(r"\s*\((?:instead of|not|rather than)[^)]*\)", "", text, flags=re.I)
    text = re.sub(
        r",?\s+(?:instead of|rather than)\s+(?:the\s+|a\s+|an\s+|our\s+)?(?:"
        + LITERAL
        + r"|[\w.+-]+)(?=[\s.,;!]|$)",
        "",
        text,
        flags=re.I,
    )
    text = strip_lead_in(text).rstrip(" ,;:")
    # "... with `h_` instead." / "... from now on.": when it applies is not what it says.
    text = re.sub(
        r",?\s+(?:instead|from now on|going forward|moving forward|now)\s*([.!]?)$", r"\1", text, flags=re.I
    )
    return text if text.endswith((".", "!", ")")) else text + "."


def _ended(text: str) -> str:
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", ")")) else text + "."


def _quantities(sentence: str) -> list[Statement]:
    """Each setting the sentence gives a number for, stored as its own clause."""
    return [
        Statement(
            Kind.SEMANTIC,
            # A port is told by itself: the clause may also name a command that changes apart.
            f"{q.subject[:1].upper()}{q.subject[1:]}: {q.value}."
            if q.port
            else _ended(clause_of(sentence, q.start, q.end)),
            q.subject,
            "value",
            q.value,
        )
        for q in find_quantities(sentence)
    ]


def _said_in(words: list[str], text_words: set[str]) -> bool:
    """Every subject word is in the text, a word's stem counting ("formatting" is said
    in "we format with black")."""
    stems = {w[:4] for w in text_words if len(w) >= 4}
    return all(w in text_words or (len(w) >= 4 and w[:4] in stems) for w in words)


class Distiller:
    """Finds statements in text; keeps no state, so one instance serves every caller."""

    def distill(self, text: str, *, author: str | None = None) -> list[Statement]:
        out: list[Statement] = []
        context: str | None = None
        text = prose(text)  # pasted logs, prompts and stack traces state nothing
        items = listed_items(text)
        for raw in split_sentences(text):
            if len(raw) > MAX_SENTENCE_CHARS:
                continue
            m = cues.CONTEXT.match(strip_lead_in(raw)) or cues.TOPIC.match(strip_lead_in(raw))
            # "For Python code, ...": all code is no subject a naming rule could be about.
            here = m is not None and not is_vague(m.group("ctx")) and subject_key(m.group("ctx")) != "code"
            if here and m is not None:
                context = m.group("ctx")
            else:  # "Let's talk about variable naming. Start them with 'y_'."
                named = [m.group("what") for m in cues.NAMED.finditer(raw) if not is_vague(m.group("what"))]
                if named:
                    context = named[-1]
            listed = bool(items) and is_listed(raw, items)
            found = self._said_before(raw, context, out) or self._sentence(raw, context, here, listed)
            for st in found:
                if "open" in st.tags and len(text) <= MAX_PROBLEM_CHARS:
                    # "can you look at the login test? it is flaky on CI": the sentence alone
                    # ("it is flaky") loses what the problem is about; the turn keeps it.
                    st = replace(st, text=" ".join(text.split()))
                out.append(st)
        return out

    def _said_before(self, raw: str, context: str | None, before: list[Statement]) -> list[Statement]:
        """A rule the turn said a sentence ago, given its subject now: "Use the '@timer'
        decorator from 'pedantic'. Add it to all your classes." / "Do the same for method
        names." The earlier statement had no subject (or another one); this one gives it."""
        if not before or cues.HEDGE.search(raw) or raw.rstrip().endswith("?"):
            return []
        last = before[-1]
        m = cues.SAME_FOR.search(raw)
        if m and last.slot is not None and last.aspect not in ("fact", "rule"):
            target = m.group("target")
        else:
            m = cues.ADD_IT.search(raw)
            if not (m and last.aspect == "decorator" and "unbound" in last.tags):
                return []
            target = m.group("target") or context
        if is_vague(target):
            return []
        assert target is not None
        subject = _display_subject(target, last.aspect)
        old, new = subject_key(last.subject).split(), subject_key(subject).split()
        if len(old) == 1 and len(new) == 1 and re.search(rf"\b{re.escape(old[0])}", last.text, re.I):
            # "include a digit in your variable names" -> "... in your method names"
            text = re.sub(rf"\b{re.escape(old[0])}", new[0], last.text, count=1, flags=re.I)
        else:
            text = f"{subject[:1].upper()}{subject[1:]}: {last.text[:1].lower()}{last.text[1:]}"
        moved = replace(last, text=text, subject=subject, tags=tuple(t for t in last.tags if t != "unbound"))
        if "unbound" in last.tags:
            before.pop()  # the rule now has its subject: it replaces its unbound self
        return [moved]

    def _sentence(
        self, raw: str, context: str | None, context_here: bool = False, listed: bool = False
    ) -> list[Statement]:
        """``listed``: an item of a list under a rules heading, a rule without saying so."""
        sentence = strip_lead_in(raw)
        asks = raw.rstrip().endswith("?") and not cues.ASKED_TO.match(raw.strip())
        sentence = sentence.rstrip("?").rstrip() if not asks else sentence
        if not sentence or asks or cues.ECHO.match(sentence) or cues.HEDGE.search(sentence):
            return []
        # The sentence without "For logging," / "Errors:".
        body = cues.TOPIC.sub("", cues.CONTEXT.sub("", sentence)).strip()
        directive = listed or bool(cues.DIRECTIVE.search(raw)) or cues.imperative(body)
        if listed and not cues.PAST.search(raw):
            tool = tool_for(sentence)
            if tool is not None:  # "state management: Zustand"
                return [Statement(Kind.PROCEDURAL, _ended(sentence), tool[0], "use", tool[1])]
        past = bool(cues.PAST.search(raw))
        settings = [] if past else _quantities(sentence)
        version = cues.ON_VERSION.search(sentence)
        if (
            version and not past and not settings
        ):  # "we upgraded to Node 22": a fact with a version, not a rule
            text = sentence if sentence.endswith((".", "!", ")")) else sentence + "."
            return [
                Statement(Kind.SEMANTIC, text, version.group("subject"), "version", version.group("value"))
            ]
        if not past:
            role = find_role(sentence)
            if role is not None:  # "Jonas reviews migrations now"
                text = _ended(clause_of(sentence, role.start, role.end))
                return [Statement(Kind.SEMANTIC, text, f"{role.subject} {role.role}", role.role, role.person)]
        if (directive or cues.DECISION.search(raw) or cues.CHOICE.search(raw)) and not past:
            norm = normalize(sentence)
            rules = find_rules(norm)
            out = []
            pronoun = context
            for f in rules:
                st = self._rule(
                    norm,
                    f,
                    context,
                    many=len(rules) > 1 or bool(settings),
                    context_here=context_here,
                    pronoun=pronoun,
                    original=sentence,
                )
                if st is not None:
                    out.append(st)
                    # "start argument names with e_ and end them with _g": "them" is the
                    # subject the sentence just named.
                    if st.subject:
                        pronoun = st.subject
            # "the http client timeout should be 10s": the setting says it (one slot for
            # "should be 10s" and "is 5s now").
            out = [st for st in out if not any(q.value in st.value for q in settings)]
            if out:
                return out + settings
        other = self._other(sentence, raw)
        if settings:  # "the line length is 120 now": the setting, not a bag of its words
            if other is None or other.aspect == "fact" or other.value in {q.value for q in settings}:
                return settings
            # "The dev server is `npm run dev` on port 5173": the command is a fact of its
            # own, told without the port (a new port must not leave the old one in its text).
            text = other.text
            for q in find_quantities(sentence):
                if q.cut:
                    text = text.replace(sentence[q.cut[0] : q.cut[1]], "").replace("  ", " ")
            return settings + [replace(other, text=_ended(text.strip().rstrip(".").rstrip()))]
        fallback = (
            directive
            and not past
            and (listed or cues.FALLBACK.match(body))
            and (2 if listed else 3) <= len(sentence.split()) <= 40
            and not (cues.ABOUT_RULES.search(sentence) and not cues.CONCRETE.search(sentence))
            and (listed or cues.WORK.search(sentence) or cues.CONCRETE.search(sentence))
        )
        if other is not None and not (fallback and other.aspect == "fact"):
            return [other]
        if fallback:  # an instruction ("Errors: always wrap with fmt.Errorf") over a bag of its words
            # A rule in no known shape ("Never commit directly to main"): kept, with no
            # subject, so only a close restatement replaces it.
            text = sentence if sentence.endswith((".", "!", ")")) else sentence + "."
            return [
                Statement(
                    Kind.PROCEDURAL,
                    text,
                    "",
                    "rule",
                    "",
                    exclusive=False,
                    negated=bool(cues.NEGATION.search(raw)),
                )
            ]
        return []

    def _rule(
        self,
        sentence: str,
        f: Found,
        context: str | None,
        *,
        many: bool,
        context_here: bool = False,
        pronoun: str | None = None,
        original: str | None = None,
    ) -> Statement | None:
        target = f.target
        words = subject_words(target or "")
        if is_vague(target):
            target = pronoun or context
        elif context and (
            set(words) < set(subject_words(context))
            or (context_here and len(words) == 1 and words[0] in GENERIC)
        ):
            # "When naming function arguments, start the argument name with e_": the
            # context names the subject more fully than the clause does.
            target = context
        negated = bool(cues.NEGATION.search(sentence[max(0, f.start - 40) : f.start + 12]))
        text = _clause_text(sentence, f, many, original)
        kind = Kind.PREFERENCE if cues.PREFERENCE.search(sentence) else Kind.PROCEDURAL
        if f.aspect == "use" and cues.DECISION.search(sentence):
            kind = Kind.DECISION
        if is_vague(target) and f.aspect in ("form", "limit"):
            return None  # "it must be awesome": no subject, no rule
        if is_vague(target) and f.aspect == "include":
            if f.target and re.search(r"\bcode(?:base)?\b", f.target, re.I):
                target = "code"  # "add comments to your code": a rule for all of it
            else:
                return None  # "include a single digit" with nothing to include it in
        if is_vague(target):
            # "Actually, use a leading `h_` now": the rule's aspect without its subject;
            # the learner binds it to the one current rule of that aspect, if unique.
            return Statement(
                kind, text, "", f.aspect, f.value, f.exclusive, negated, f.replaces, ("unbound",)
            )
        assert target is not None
        if f.aspect in cues.ABOUT_CODE_ONLY and not cues.WORK.search(target):
            # "must be really fulfilling", "a must for me": said of people, not of code.
            return None
        subject = _display_subject(target, f.aspect)
        if not _said_in(subject_key(subject).split(), canonical_words(text)):
            # "End them with '_g'": the subject was named elsewhere; the memory is read alone.
            text = f"{subject[:1].upper()}{subject[1:]}: {text[:1].lower()}{text[1:]}"
        return Statement(kind, text, subject, f.aspect, f.value, f.exclusive, negated, f.replaces)

    def _other(self, sentence: str, raw: str) -> Statement | None:
        text = sentence if sentence.endswith((".", "!", ")")) else sentence + "."
        if cues.DECISION.search(raw) and cues.REASON.search(raw):
            return Statement(Kind.DECISION, text, "", "decision", "", exclusive=False)
        for pattern, aspect in (
            (cues.FACT, "value"),
            (cues.FACT_FIRST, "value"),
            (cues.RUNS_WITH, "tool"),
            (cues.ON_VERSION, "version"),
        ):
            m = pattern.search(sentence)
            if m and not cues.PAST.search(raw):
                return Statement(Kind.SEMANTIC, text, m.group("subject"), aspect, m.group("value"))
        fact = (
            value_fact(sentence)
            if cues.WORK.search(sentence) and not cues.PAST.search(raw) and not cues.FALLBACK.match(sentence)
            else None
        )
        if fact is not None:
            # "payments now runs on port 5000": a fact in no known shape, its subject the
            # words around the value.
            return Statement(Kind.SEMANTIC, text, bag_key(fact[0]), "fact", fact[1])
        if cues.PROBLEM.search(raw) and len(sentence) >= 20:
            return Statement(Kind.EPISODIC, text, "", "problem", "", exclusive=False, tags=("open",))
        if cues.SOLVED.search(raw) and len(sentence) >= 12:
            # "the login test is fixed now": closes the open problem it names (the learner
            # finds it by its words), kept as what happened.
            return Statement(Kind.EPISODIC, text, "", "solved", "", exclusive=False, tags=("resolved",))
        first = re.split(r"[,;]", sentence, maxsplit=1)[0]  # "I prefer X, keep them in the same package"
        if (
            cues.PREFERENCE.search(raw)
            and len(sentence.split()) >= 4
            and not (cues.ABOUT_RULES.search(first) and not cues.CONCRETE.search(first))
        ):
            return Statement(Kind.PREFERENCE, text, "", "preference", "", exclusive=False)
        return None
