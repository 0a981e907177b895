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

from memd.distill.facts import bag_key, value_fact
from memd.distill.frames import LITERAL, Found, find_rules
from memd.distill.sentences import split_sentences, strip_lead_in
from memd.distill.subjects import GENERIC, canonical_words, is_vague, subject_key, subject_words
from memd.distill.words import normalize
from memd.records import Kind

MAX_SENTENCE_CHARS = 400
MAX_PROBLEM_CHARS = 300

# Said to make a rule: the speaker tells how things are to be done from now on.
_DIRECTIVE = re.compile(
    r"\b(?:always|never|must|mustn't|should|shouldn't|shall|ought to|make sure|be sure|remember to|"
    r"don't forget|do not|don't|please|from now on|going forward|moving forward|from here on|"
    r"i(?:'d| would)? (?:also |really |now )?(?:like|want|need) (?:you|us|everyone) to|we need to|you need to|"
    r"(?:the|our|a|new) (?:convention|rule|standard|guideline|policy|practice)|we (?:always |now )?(?:use|prefer|follow|stick to)|"
    r"(?:update|change) (?:to )?(?:a |the |our |my )?(?:previous |earlier )?(?:instruction|guideline|convention|rule)|"
    r"let's|prefer|avoid|stop|no longer|no more|instead|anymore|any more|now|ensure|"
    r"it(?:'s| is) (?:important|essential|crucial|required|mandatory)|important to me|emphasi[sz]e|"
    r"(?:i|we) (?:also )?(?:want|need|expect|require|ask)|habit|"
    r"we (?:always |now |also )?(?:start|end|prefix|suffix|include|add|import|name|write|decorate|annotate))\b",
    re.I,
)
# A sentence in no known shape is still kept as a rule when it is an instruction about the
# work: an imperative ("Never commit to main", "Run the linter before pushing") or a
# "we always/never ..." statement; not "Always happy to help" or "Don't hesitate to ask".
_FALLBACK = re.compile(
    r"^(?:(?:always|never)\s+(?!happy|glad|here|good|great|nice|fun|a\b|an\b|the\b|been\b|learning|striving|there)"
    r"|(?:don't|do not)\s+(?!hesitate|worry|be\b|feel\b|forget to (?:reach|ask|let))"
    r"|no\s+more\s+"
    r"|(?:make sure|ensure)\s+(?:that\s+)?(?:you\s+|all\s+|every\s+|each\s+|the\s+|our\s+)"
    r"|we\s+(?:always|never|don't|do not|no longer)\s+(?!strive|try|learn|have)"
    r"|(?:use|prefer|avoid|stop|quit|run|put|write|add|include|name|prefix|import|store|log|pin|commit|push|"
    r"merge|rebase|squash|document|test|format|lint|type|annotate|declare|return|raise|call|wrap|"
    r"place|move|build|deploy|release|tag|check|validate|sort|limit|cache|mock)\s+)",
    re.I,
)
# A rule in no known shape is kept only when it is about the work: "Never commit directly
# to main", not "Keep going and never give up!".
_WORK = re.compile(
    r"\b(?:code|coding|commit|commits|branch|branches|main|master|tests?|testing|PRs?|pull requests?|"
    r"merge|rebase|deploy\w*|function|functions|class|classes|method|methods|attributes?|arguments?|"
    r"parameters?|params?|args?|decorators?|"
    r"variables?|files?|modules?|imports?|api|apis|endpoints?|database|db|queries|query|schema|"
    r"migrations?|lint\w*|format\w*|types?|typing|logs?|logging|errors?|exceptions?|docs|"
    r"documentation|readme|config\w*|env|environment|dependenc\w+|packages?|librar\w+|versions?|"
    r"releases?|ci|pipelines?|scripts?|commands?|repo|repository|review\w*|comments?|docstrings?|"
    r"annotations?|secrets?|keys?|tokens?|passwords?|servers?|services?|containers?|docker|cache|"
    r"caching|sql|json|yaml|html|css|frontend|backend|staging|production|prod|debug\w*|print|"
    r"tabs?|spaces?|indent\w*|naming|names?|linter|formatter|compiler|framework|refactor\w*|"
    r"stack|issues?|tickets?|jira|github|gitlab|git|exports?|props|components?|hooks?|routes?|handlers?|"
    r"models?|views?|controllers?|tables?|columns?|fields?|helpers?|utils?|fixtures?|mocks?|async|await|"
    r"promises?|callbacks?|loops?|globals?|constants?|enums?|interfaces?|structs?|generics?|macros?|"
    r"semicolons?|quotes?|strings?|null|none|unwrap|panic|asserts?|try|catch|except|console|stdout|"
    r"installs?|lockfiles?|node_modules|vendor|secrets?|credentials?|global|state|mutable|inheritance|"
    r"composition|lines?|nest\w*|recursion|threads?|locks?|memory|performance|security|inputs?|"
    r"outputs?|var|const|dependenc\w+|changelog|release notes|features?|bugs?|fix(?:es)?|patch(?:es)?|"
    r"ports?|hosts?|urls?|ttl|timeouts?|retries|retry|workers?|jobs?|queues?|ci|node|python|pytest)\b",
    re.I,
)
# Shapes that are rules only when what they are about is part of the work ("all React
# components should be function components", not "having pets must be wonderful").
_ABOUT_CODE_ONLY = frozenset({"form", "limit", "include"})
# Something concrete to follow: code, a quoted token, a path, a dotted name, a number.
_CONCRETE = re.compile(r"`[^`]+`|(?<!\w)'[^'\s][^']*'(?!\w)|\"[^\"]+\"|@\w+|\b\w*[_/]\w+|\b\w+\.\w+\b|\b\d")
# Talk about rules rather than a rule: "Adopt a consistent naming convention", "Include
# that import statement consistently", "Always import a particular module". Without a
# concrete value such a sentence says nothing an agent could follow.
_ABOUT_RULES = re.compile(
    r"\b(?:conventions?|guidelines?|standards?|rules?|practices?|approach|instructions?|naming|"
    r"particular|specific|certain|this|that|these|those|such|same|above|mentioned)\b",
    re.I,
)
_NEGATION = re.compile(
    r"\b(?:never|don't|do not|doesn't|mustn't|shouldn't|stop|avoid|no longer|no more|not (?:use|add|include)|"
    r"(?:get|got) rid of|drop|remove)\b",
    re.I,
)
# An agent or listener repeating or acknowledging, not stating.
_ECHO = re.compile(
    r"^(?:i(?:'ll| will| shall|'m going to| am going to| can| could| have| had|'ve)\b|"
    r"will do|got it|understood|noted|thanks|thank you|i understand|i see|"
    r"that makes sense|makes sense|sounds good)\b",
    re.I,
)
_HEDGE = re.compile(
    r"\b(?:maybe|perhaps|could consider|what if|i wonder|not sure|for example|e\.g\.|"
    r"like when|hypothetically|imagine)\b",
    re.I,
)
# Something that happened before, told as history: "I used to ...", "we previously ...".
_PAST = re.compile(
    r"\b(?:used to|previously|earlier|before that|last (?:time|week|month)|originally|formerly|"
    r"i (?:told|said|asked|mentioned)|we (?:had|were using))\b",
    re.I,
)
_CONTEXT = re.compile(
    r"^(?:when|while|whenever|for|in|regarding|about|as for|with)\s+(?:you(?:'re| are)?\s+)?"
    r"(?:nam(?:e|ing)|writ(?:e|ing)|creat(?:e|ing)|defin(?:e|ing)|declar(?:e|ing)|ending|starting|choos(?:e|ing)|"
    r"pick(?:ing)?|work(?:ing)?\s+(?:on|with))?\s*"
    r"(?:the\s+|your\s+|our\s+|any\s+|all\s+)?(?P<ctx>[\w\s-]{2,40}?)\s*,",
    re.I,
)
# "X, not Y", "X instead of Y", "moved from Y to X", "upgraded to X": a choice stated.
_CHOICE = re.compile(
    r"\b(?:instead of|rather than|(?:switch(?:ed)?|mov(?:e|ed)|migrat(?:e|ed)|upgrad(?:e|ed))\s+(?:from|to)\b)|\w,\s*not\s+\w"
    r"|\b(?:go|goes|live|lives|belong|belongs)\s+(?:in|into|under)\s+\S*/"
    r"|\b(?:camel|pascal|snake|kebab|screaming[ _-]?snake)[ _-]?case\b|\b(?:upper|lower)[ -]?case\b"
    r"|\b(?:mandatory|compulsory|obligatory)\b|\bmoving\s+(?:off|from|to)\b"
    r"|^(?:all|every|each)\s+(?:new\s+)?\w+(?:\s+\w+)?\s+(?:needs?|must|should|has\s+to|have\s+to)\b",
    re.I,
)
# "Can you make sure every migration has a down step?": a request, not a question.
_ASKED_TO = re.compile(
    r"^(?:(?:so|ok|okay|also|and|hey),?\s+)?(?:can|could|would|will)\s+you\s+(?:please\s+)?(?:make\s+sure|always|never|"
    r"remember\s+to|stop|start|keep|use|add|avoid|ensure)\b",
    re.I,
)
# "Do the same for method names": the last rule again, for another subject.
_SAME_FOR = re.compile(
    r"\b(?:do|apply)\s+the\s+same(?:\s+(?:thing|rule))?\s+(?:for|with|to|in)\s+(?:all\s+|your\s+|the\s+|our\s+)*"
    r"(?P<target>[a-z][\w-]*(?:\s+[a-z][\w-]*){0,2})(?=\s*[.,;!]|$)",
    re.I,
)
# "Add it to all your classes", "add this decorator to every method", "add this decorator"
# (the subject then comes from the sentence's context: "whenever you're working on a method").
_ADD_IT = re.compile(
    r"\b(?:add|apply|use|put|include)\s+(?:it|this|that|the)(?:\s+decorator)?(?:\s+from\s+(?:the\s+)?\S+(?:\s+module)?)?"
    r"(?:\s+(?:to|on|for|in)\s+(?:all\s+|every\s+|each\s+|your\s+|the\s+|our\s+)*(?P<target>[a-z][\w-]*(?:\s+[a-z][\w-]*)?))?"
    r"(?=\s*[.,;!]|\s+(?:as well|too|also)\b|$)",
    re.I,
)
_NAMED = re.compile(r"\b(?P<what>[a-z]+(?:\s+[a-z]+)?)\s+(?:names|naming)\b", re.I)
_DECISION = re.compile(
    r"\bwe(?:'ve| have)?\s+(?:now\s+)?(?:decided|chose|chosen|picked|went with|gone with|settled on|"
    r"switched|moved|migrated|opted|agreed|are going with|'re going with|will go with|standardi[sz]ed on)\b",
    re.I,
)
_REASON = re.compile(r"\b(?:because|since|as|due to|so that|given that)\b", re.I)
# "I prefer X", "I'd rather ...", "I don't like it when ...": how the speaker wants the
# work done. ("I love hiking" is about the speaker, not about the work: not kept.)
_PREFERENCE = re.compile(
    r"\b(?:i|we)(?:\s+|(?='))(?:really\s+|strongly\s+|generally\s+|usually\s+)?(?:prefer|(?:'d|\s*would) rather|"
    r"(?:don't|do not) like (?:it )?when|hate it when|(?:'d|would) like (?:it )?if)\b",
    re.I,
)
_PROBLEM = re.compile(
    r"\b(?:is|are|keeps|keep)\s+(?:still\s+|currently\s+)?(?:broken|flaky|failing|down|timing out|crashing|"
    r"leaking|hanging)\b|\b(?:doesn't|does not|don't|won't) work\b|\bknown (?:issue|bug|problem)\b|"
    r"\bTODO\b|\bwe still need to\b|\bneeds? (?:fixing|to be fixed)\b|\bopen (?:issue|bug)\b",
    re.I,
)
_SOLVED = re.compile(
    r"\b(?:is|are|was|were|has been|have been|got|'s)\s+(?:now\s+|finally\s+|all\s+)?(?:fixed|resolved|solved|"
    r"working again|green again|passing again|no longer (?:flaky|failing|broken|an issue))\b|\bfixed (?:the|that)\b",
    re.I,
)
_FACT_NOUNS = (
    r"command|script|path|directory|dir|folder|file|url|endpoint|port|host|hostname|version|owner|"
    r"branch|repo|repository|database|db|server|api|bucket|region|channel|lead|maintainer|"
    r"entry ?point|config|configuration|env|environment|registry|image|cluster|namespace|"
    r"schema|table|queue|topic|key|token|secret|domain|address|dashboard|docs|documentation|"
    r"runner|pipeline|workflow|tool|framework|library|package manager|linter|formatter"
)
_FACT = re.compile(
    r"^(?:the\s+|our\s+|my\s+|this\s+project's\s+|this\s+repo's\s+)?(?P<subject>(?:[\w./-]+\s+){0,3}?(?:"
    + _FACT_NOUNS
    + r")s?)\s+(?:is|are|lives?|sits?|runs?|=|:)\s+(?:now\s+|currently\s+|still\s+)?(?:at\s+|in\s+|on\s+|under\s+|via\s+|with\s+)?"
    r"(?P<value>" + LITERAL + r"|https?://\S+|[A-Z][\w.+-]*(?:\s[A-Z0-9][\w.+-]*)?|\d[\w.]*)",
    re.I,
)
_RUNS_WITH = re.compile(
    r"^(?:the\s+|our\s+)?(?P<subject>(?:[\w-]+\s+){0,2}?(?:tests?|build|lint(?:ing|er)?|formatting|"
    r"deploy(?:s|ment)?|migrations?|CI|app|server|docs|type ?checks?|benchmarks?))\s+"
    r"(?:run|runs|are run|is run|go|goes|are built|is built|build|builds|deploy|deploys)\s+"
    r"(?:now\s+)?(?:with|via|using|through|by|from|on)\s+(?P<value>"
    + LITERAL
    + r"|[\w.+-]+(?:\s+[\w.+-]+)?)",
    re.I,
)
_ON_VERSION = re.compile(
    r"\b(?:we(?:'re| are)\s+(?:now\s+)?(?:on|using|running)|(?:we\s+)?(?:upgraded|updated|bumped|moved|migrated|downgraded)\s+(?:\w+\s+)?to)"
    r"\s+(?P<subject>[A-Za-z][\w.+-]*)\s+(?P<value>v?\d+(?:\.\d+)*)\b",
    re.I,
)
# "pnpm is our package manager now", "ruff format is our formatter": the value first.
_FACT_FIRST = re.compile(
    r"(?:^|,\s*)(?P<value>"
    + LITERAL
    + r"|[A-Za-z][\w.+-]*(?:\s[A-Za-z][\w.+-]*)?)\s+(?:is|are)\s+(?:now\s+)?(?:our|the\s+team's|the)\s+"
    r"(?:new\s+|default\s+|main\s+|only\s+)?(?P<subject>(?:[\w-]+\s+){0,2}?(?:"
    + _FACT_NOUNS
    + r"))(?=\s*(?:now|from now on|going forward)?\s*[.,;!]?\s*$)",
    re.I,
)
_OWNS = re.compile(
    r"^(?P<value>[A-Z]\w+(?:\s[A-Z]\w+)?)\s+(?:owns|maintains|is responsible for|is the owner of|"
    r"looks after|is in charge of)\s+(?:the\s+)?(?P<subject>[\w\s./-]{2,40}?)(?=[.,;!]|$)"
)


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


def _clause_text(sentence: str, f: Found, many: bool) -> str:
    """The words to store: the whole sentence for one rule, the rule's clause for many."""
    text = f.text or (sentence if not many else sentence[f.start : f.end])
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


class Distiller:
    """Finds statements in text; keeps no state, so one instance serves every caller."""

    def distill(self, text: str, *, author: str | None = None) -> list[Statement]:
        out: list[Statement] = []
        context: str | None = None
        for raw in split_sentences(text):
            if len(raw) > MAX_SENTENCE_CHARS:
                continue
            m = _CONTEXT.match(strip_lead_in(raw))
            # "For Python code, ...": all code is no subject a naming rule could be about.
            here = m is not None and not is_vague(m.group("ctx")) and subject_key(m.group("ctx")) != "code"
            if here:
                context = m.group("ctx")
            else:  # "Let's talk about variable naming. Start them with 'y_'."
                named = [m.group("what") for m in _NAMED.finditer(raw) if not is_vague(m.group("what"))]
                if named:
                    context = named[-1]
            found = self._said_before(raw, context, out) or self._sentence(raw, context, here)
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
        if not before or _HEDGE.search(raw) or raw.rstrip().endswith("?"):
            return []
        last = before[-1]
        m = _SAME_FOR.search(raw)
        if m and last.slot is not None and last.aspect not in ("fact", "rule"):
            target = m.group("target")
        else:
            m = _ADD_IT.search(raw)
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

    def _sentence(self, raw: str, context: str | None, context_here: bool = False) -> list[Statement]:
        sentence = strip_lead_in(raw)
        asks = raw.rstrip().endswith("?") and not _ASKED_TO.match(raw.strip())
        sentence = sentence.rstrip("?").rstrip() if not asks else sentence
        if not sentence or asks or _ECHO.match(sentence) or _HEDGE.search(sentence):
            return []
        directive = bool(_DIRECTIVE.search(raw)) or _imperative(_CONTEXT.sub("", sentence).strip())
        past = bool(_PAST.search(raw))
        version = _ON_VERSION.search(sentence)
        if version and not past:  # "we upgraded to Node 22": a fact with a version, not a rule
            text = sentence if sentence.endswith((".", "!", ")")) else sentence + "."
            return [
                Statement(Kind.SEMANTIC, text, version.group("subject"), "version", version.group("value"))
            ]
        if (directive or _DECISION.search(raw) or _CHOICE.search(raw)) and not past:
            norm = normalize(sentence)
            rules = find_rules(norm)
            out = []
            pronoun = context
            for f in rules:
                st = self._rule(
                    norm, f, context, many=len(rules) > 1, context_here=context_here, pronoun=pronoun
                )
                if st is not None:
                    out.append(st)
                    # "start argument names with e_ and end them with _g": "them" is the
                    # subject the sentence just named.
                    if st.subject:
                        pronoun = st.subject
            if out:
                return out
        other = self._other(sentence, raw)
        if other is not None:
            return [other]
        if (
            directive
            and not past
            and _FALLBACK.match(sentence)
            and 3 <= len(sentence.split()) <= 40
            and not (_ABOUT_RULES.search(sentence) and not _CONCRETE.search(sentence))
            and (_WORK.search(sentence) or _CONCRETE.search(sentence))
        ):
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
                    negated=bool(_NEGATION.search(raw)),
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
        negated = bool(_NEGATION.search(sentence[max(0, f.start - 40) : f.start + 12]))
        text = _clause_text(sentence, f, many)
        kind = Kind.PREFERENCE if _PREFERENCE.search(sentence) else Kind.PROCEDURAL
        if f.aspect == "use" and _DECISION.search(sentence):
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
        if f.aspect in _ABOUT_CODE_ONLY and not _WORK.search(target):
            # "must be really fulfilling", "a must for me": said of people, not of code.
            return None
        subject = _display_subject(target, f.aspect)
        if not set(subject_key(subject).split()) <= canonical_words(text):
            # "End them with '_g'": the subject was named elsewhere; the memory is read alone.
            text = f"{subject[:1].upper()}{subject[1:]}: {text[:1].lower()}{text[1:]}"
        return Statement(kind, text, subject, f.aspect, f.value, f.exclusive, negated, f.replaces)

    def _other(self, sentence: str, raw: str) -> Statement | None:
        text = sentence if sentence.endswith((".", "!", ")")) else sentence + "."
        if _DECISION.search(raw) and _REASON.search(raw):
            return Statement(Kind.DECISION, text, "", "decision", "", exclusive=False)
        for pattern, aspect in (
            (_FACT, "value"),
            (_FACT_FIRST, "value"),
            (_RUNS_WITH, "tool"),
            (_ON_VERSION, "version"),
        ):
            m = pattern.search(sentence)
            if m and not _PAST.search(raw):
                return Statement(Kind.SEMANTIC, text, m.group("subject"), aspect, m.group("value"))
        m = _OWNS.search(sentence)
        if m:
            return Statement(Kind.SEMANTIC, text, f"{m.group('subject')} owner", "owner", m.group("value"))
        fact = (
            value_fact(sentence)
            if _WORK.search(sentence) and not _PAST.search(raw) and not _FALLBACK.match(sentence)
            else None
        )
        if fact is not None:
            # "payments now runs on port 5000": a fact in no known shape, its subject the
            # words around the value.
            return Statement(Kind.SEMANTIC, text, bag_key(fact[0]), "fact", fact[1])
        if _PROBLEM.search(raw) and len(sentence) >= 20:
            return Statement(Kind.EPISODIC, text, "", "problem", "", exclusive=False, tags=("open",))
        if _SOLVED.search(raw) and len(sentence) >= 12:
            # "the login test is fixed now": closes the open problem it names (the learner
            # finds it by its words), kept as what happened.
            return Statement(Kind.EPISODIC, text, "", "solved", "", exclusive=False, tags=("resolved",))
        if (
            _PREFERENCE.search(raw)
            and len(sentence.split()) >= 4
            and not (_ABOUT_RULES.search(sentence) and not _CONCRETE.search(sentence))
        ):
            return Statement(Kind.PREFERENCE, text, "", "preference", "", exclusive=False)
        return None


_IMPERATIVE = re.compile(
    r"^(?:always|never|don't|do not|use|prefer|avoid|keep|put|add|include|start|end|prefix|name|write|"
    r"run|import|decorate|stop|make|follow|place|store|call|return|raise|log)\b",
    re.I,
)


def _imperative(sentence: str) -> bool:
    return bool(_IMPERATIVE.match(sentence))
