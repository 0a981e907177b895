"""Current coding conventions over many sessions: does memd brief and recall the rules in
force, and keep the ones they replaced out? (issue 17's benchmark)

Each dialogue of ``memorycode_dev.jsonl`` (format and metrics: ../shared/bench/README.md)
is ingested session by session as one memory per turn (author = speaker, source
"import", one day per session) into a project of its own. Then, per dialogue:

- briefing coverage / stale: share of the current rules / of the superseded versions
  (leaving out keys that are also current) whose ``key_re`` matches the 1,500-token briefing;
- current@5: for one plain question per rule object ("What is our convention for
  variables?"), share of current rules whose key is in the top 5 texts;
- current-first: where a current version and a superseded version of the same slot
  (``pivot``) are both in the top 5, share with the current one above.

Baselines computed in the same run over the same turns: the last turns that fit the budget,
and BM25 (over the turns, for a fixed query of instruction words, its top turns that fit the
budget; for the questions, its top 5). Dialogues are split by position: even = tune, odd =
check; both are reported, and the overall figure. Every share is over rules (or versions, or
slots) pooled across the dialogues of a split, not a mean of per-dialogue shares.

    python benchmarks/conventions.py --data ../shared/bench/memorycode_dev.jsonl --json
    python benchmarks/conventions.py --limit 6            # a quick look
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import memd
from memd.distill import Distiller

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "memorycode_dev.jsonl"
BRIEF_TOKENS = 1500
CHARS_PER_TOKEN = 4  # as memd.briefing sizes a briefing
START = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
# What a person looks for when asked to find "the rules" in a chat without memd: generic
# instruction words, nothing of this data set's conventions.
RULE_QUERY = "always never must should use prefer convention rule naming name start end include add"
WORD = re.compile(r"[a-z0-9_']+")


def plural(noun: str) -> str:
    return noun if noun.endswith("s") else noun + "s"


def question(obj: str) -> str:
    return f"What is our convention for {plural(obj)}?"


def turns_of(d: dict) -> list[dict]:
    out = []
    for s in d["sessions"]:
        day = START + timedelta(days=s["index"])
        for n, t in enumerate(s["turns"]):
            out.append(
                {
                    "text": t["text"],
                    "author": t["speaker"],
                    "created_at": day + timedelta(minutes=n),
                    "source_id": f"s{s['index']}:t{n}",
                }
            )
    return out


def ingest(mem, d: dict, project: str) -> tuple[list[dict], float]:
    """Store a dialogue's turns into ``project``, one memory a turn, source "import" (the
    learner reads them as it would an imported chat); the turns and the seconds it took."""
    turns = turns_of(d)
    t0 = time.perf_counter()
    mem.remember_many([{**t, "project": project, "source": "import"} for t in turns])
    return turns, time.perf_counter() - t0


class BM25:
    """Okapi BM25 over a small list of texts (k1 = 1.2, b = 0.75)."""

    def __init__(self, texts: list[str]) -> None:
        self.docs = [WORD.findall(t.lower()) for t in texts]
        self.avg = statistics.mean(len(d) for d in self.docs) if self.docs else 0.0
        df = Counter(w for d in self.docs for w in set(d))
        n = len(self.docs)
        self.idf = {w: math.log(1 + (n - c + 0.5) / (c + 0.5)) for w, c in df.items()}
        self.tf = [Counter(d) for d in self.docs]

    def rank(self, query: str) -> list[int]:
        terms = WORD.findall(query.lower())
        scores = []
        for i, tf in enumerate(self.tf):
            s = 0.0
            for w in terms:
                f = tf.get(w, 0)
                if f:
                    s += self.idf[w] * f * 2.2 / (f + 1.2 * (0.25 + 0.75 * len(self.docs[i]) / self.avg))
            scores.append(s)
        return sorted(range(len(scores)), key=lambda i: (-scores[i], -i))


def fit(texts: list[str], budget_chars: int) -> str:
    out, used = [], 0
    for t in texts:
        if used + len(t) + 1 > budget_chars:
            break
        out.append(t)
        used += len(t) + 1
    return "\n".join(out)


def brief_scores(d: dict, text: str) -> tuple[list[float], list[float]]:
    """One 0/1 per current rule (found in the briefing), one per superseded version."""
    current = d["current"]
    keys_now = {c["key"] for c in current}
    stale = [s for s in d["superseded"] if s["key"] not in keys_now]
    cov = [float(bool(re.search(c["key_re"], text))) for c in current]
    st = [float(bool(re.search(s["key_re"], text))) for s in stale]
    return cov, st


def question_scores(d: dict, top5_for) -> tuple[list[float], list[float]]:
    """current@5 per rule, and current-first per slot where both versions came back."""
    keys_now = {c["key"] for c in d["current"]}
    at5, first = [], []
    for obj in sorted({c["object"] for c in d["current"]}):
        texts = top5_for(question(obj))
        for c in (c for c in d["current"] if c["object"] == obj):
            pos_now = next((i for i, t in enumerate(texts) if re.search(c["key_re"], t)), None)
            at5.append(float(pos_now is not None))
            old = [s for s in d["superseded"] if s["pivot"] == c["pivot"] and s["key"] not in keys_now]
            pos_old = [i for s in old for i, t in enumerate(texts) if re.search(s["key_re"], t)]
            if pos_now is not None and pos_old:
                first.append(float(pos_now < min(pos_old)))
    return at5, first


def mean(xs: list[float]) -> float | None:
    return round(statistics.mean(xs), 3) if xs else None


def misses_of(d: dict, top5_for) -> list[dict]:
    """The current rules a plain question did not find in the top 5, with what came back
    and the turns that stated them (read on the tune split only)."""
    turns = {f"s{s['index']}:t{n}": t["text"] for s in d["sessions"] for n, t in enumerate(s["turns"])}
    out = []
    for obj in sorted({c["object"] for c in d["current"]}):
        texts = top5_for(question(obj))
        for c in (c for c in d["current"] if c["object"] == obj):
            if not any(re.search(c["key_re"], t) for t in texts):
                said = [turns.get(e, e) for e in c.get("evidence", [])]
                out.append({"dialogue": d["id"], "object": obj, "key": c["key"], "said": said, "top5": texts})
    return out


def run(data: Path, limit: int | None, split_only: str | None = None, misses: list | None = None) -> dict:
    dialogues = [json.loads(line) for line in data.read_text(encoding="utf-8").splitlines() if line.strip()]
    if limit:
        dialogues = dialogues[:limit]
    per: dict[str, dict[str, list]] = {}
    t_ingest = t_distill = 0.0
    distiller = Distiller()
    n_turns = 0
    with tempfile.TemporaryDirectory() as home:
        mem = memd.open(home)
        for pos, d in enumerate(dialogues):
            if split_only and ("tune" if pos % 2 == 0 else "check") != split_only:
                continue
            project = f"mc-{d['id']}"
            turns, seconds = ingest(mem, d, project)
            n_turns += len(turns)
            t_ingest += seconds
            texts = [t["text"] for t in turns]
            t0 = time.perf_counter()  # the rules alone, as the learner runs them on each turn
            for t in turns:
                distiller.distill(t["text"], author=t["author"])
            t_distill += time.perf_counter() - t0
            bm25 = BM25(texts)
            split = "tune" if pos % 2 == 0 else "check"
            systems = {
                "memd": (
                    mem.context(project, max_tokens=BRIEF_TOKENS).text,
                    lambda q, p=project: [h.memory.text for h in mem.recall(q, project=p, k=5)],
                ),
                "last turns": (fit(texts[::-1], BRIEF_TOKENS * CHARS_PER_TOKEN), None),
                "bm25": (
                    fit([texts[i] for i in bm25.rank(RULE_QUERY)], BRIEF_TOKENS * CHARS_PER_TOKEN),
                    lambda q, b=bm25, tx=texts: [tx[i] for i in b.rank(q)[:5]],
                ),
            }
            for name, (brief, top5) in systems.items():
                cov, st = brief_scores(d, brief)
                row = per.setdefault(name, {})
                for s in (split, "all"):
                    row.setdefault(f"{s}:coverage", []).extend(cov)
                    row.setdefault(f"{s}:stale", []).extend(st)
                if top5 is not None and name == "memd" and misses is not None and split == "tune":
                    misses.extend(misses_of(d, top5))
                if top5 is not None:
                    at5, first = question_scores(d, top5)
                    for s in (split, "all"):
                        row.setdefault(f"{s}:current@5", []).extend(at5)
                        row.setdefault(f"{s}:current-first", []).extend(first)
            print(f"  dialogue {pos + 1}/{len(dialogues)}", file=sys.stderr, end="\r")
        mem.close()
    out = {
        "dialogues": len(dialogues),
        "turns": n_turns,
        "ingest_ms_per_turn": round(1000 * t_ingest / max(1, n_turns), 2),
        "distill_ms_per_turn": round(1000 * t_distill / max(1, n_turns), 3),
        "systems": {name: {k: mean(v) for k, v in sorted(rows.items())} for name, rows in per.items()},
    }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--limit", type=int, default=None, help="only the first N dialogues")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--split", choices=("tune", "check"), help="only this split's dialogues")
    ap.add_argument(
        "--tune-misses",
        type=Path,
        help="write the tune split's missed rules (question, top 5, the turns that said them) as JSON "
        "lines; the check split is never written out, so it stays unread",
    )
    args = ap.parse_args()
    misses: list | None = [] if args.tune_misses else None
    result = run(args.data, args.limit, args.split, misses)
    if args.tune_misses and misses is not None:
        args.tune_misses.write_text("".join(json.dumps(m) + "\n" for m in misses))
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"{result['dialogues']} dialogues, {result['turns']} turns, "
        f"{result['ingest_ms_per_turn']} ms/turn to ingest (embedding included), "
        f"{result['distill_ms_per_turn']} ms/turn of it to distil"
    )
    metrics = ("coverage", "stale", "current@5", "current-first")
    print(f"{'system':<12}{'split':<7}" + "".join(f"{m:>15}" for m in metrics))
    for name, row in result["systems"].items():
        for split in ("tune", "check", "all"):
            vals = [row.get(f"{split}:{m}") for m in metrics]
            print(f"{name:<12}{split:<7}" + "".join(f"{'-' if v is None else v:>15}" for v in vals))


if __name__ == "__main__":
    main()
