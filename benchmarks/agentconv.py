"""Facts in force from developer↔agent conversations (issue 32's benchmark).

Each project of an ``agentconv`` file (format and metrics: ../shared/bench/README.md, section
"agentconv_dev.jsonl") is ingested session by session, one memory a turn (author = speaker,
source "import", one day per session), into a project of its own. Then, per fact:

- coverage: a ``current`` literal is in the 1,500-token briefing (``memd context``);
- stale-alone: per superseded version, one of its literals is named in a briefing line that
  names no current literal ("Dagster, replacing Airflow" reports a change; "orchestrate
  with Airflow" alone is stale);
- current@5: a ``current`` literal is in the top 5 recalled texts for the fact's ``question``;
- current-first: where a current and a superseded literal are both in the top 5, the current
  one comes first (a text naming both counts as reporting the change: current first).

Literals match case-insensitively as whole words. Baselines in the same run over the same
turns: the last turns that fit the budget, and BM25 (briefing: its top turns for generic
instruction words; questions: its top 5). Projects are split by position, even = tune,
odd = check; shares are pooled over facts (or versions) of a split.

    python benchmarks/agentconv.py                                   # ../shared/bench/agentconv_dev.jsonl
    python benchmarks/agentconv.py --data benchmarks/data/agentconv_voices.jsonl
    python benchmarks/agentconv.py --show s05                        # one project's briefing
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conventions import BM25, BRIEF_TOKENS, CHARS_PER_TOKEN, RULE_QUERY, fit, ingest, mean  # noqa: E402

import memd  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "agentconv_dev.jsonl"
METRICS = ("coverage", "stale_alone", "current@5", "current_first")


def named(literal: str, text: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(literal)}(?![\w-])", text, re.IGNORECASE) is not None


def old_versions(fact: dict) -> list[list[str]]:
    """The superseded versions' literals, leaving out any that are also current."""
    now = {c.lower() for c in fact["current"]}
    out = []
    for version in fact.get("history") or [[s] for s in fact["superseded"]]:
        lits = [v for v in version if v.lower() not in now]
        if lits and not any(v.lower() in now for v in version):
            out.append(lits)
    return out


def brief_scores(facts: list[dict], brief: str) -> tuple[list[float], list[float]]:
    lines = [ln for ln in brief.splitlines() if ln.strip()]
    cov, stale = [], []
    for f in facts:
        cov.append(float(any(named(c, brief) for c in f["current"])))
        for version in old_versions(f):
            alone = any(
                any(named(v, ln) for v in version) and not any(named(c, ln) for c in f["current"])
                for ln in lines
            )
            stale.append(float(alone))
    return cov, stale


def question_scores(facts: list[dict], top5_for) -> tuple[list[float], list[float]]:
    at5, first = [], []
    for f in facts:
        texts = top5_for(f["question"])
        pos_now = next((i for i, t in enumerate(texts) if any(named(c, t) for c in f["current"])), None)
        at5.append(float(pos_now is not None))
        olds = [v for version in old_versions(f) for v in version]
        pos_old = [i for i, t in enumerate(texts) if any(named(v, t) for v in olds)]
        if pos_now is not None and pos_old:
            first.append(float(pos_now <= min(pos_old)))
    return at5, first


def run(data: Path, *, show: str | None = None) -> dict:
    projects = [json.loads(ln) for ln in data.read_text(encoding="utf-8").splitlines() if ln.strip()]
    per: dict[str, dict[str, list[float]]] = {}
    n_turns, t_ingest = 0, 0.0
    with tempfile.TemporaryDirectory() as home:
        mem = memd.open(home)
        for pos, d in enumerate(projects):
            project = f"ac-{d['id']}"
            turns, seconds = ingest(mem, d, project)
            n_turns += len(turns)
            t_ingest += seconds
            texts = [t["text"] for t in turns]
            bm25 = BM25(texts)
            brief = mem.context(project, max_tokens=BRIEF_TOKENS).text
            if show == d["id"]:
                print(f"--- briefing of {d['id']} ---\n{brief}\n---", file=sys.stderr)
            systems = {
                "memd": (brief, lambda q, p=project: [h.memory.text for h in mem.recall(q, project=p, k=5)]),
                "last turns": (fit(texts[::-1], BRIEF_TOKENS * CHARS_PER_TOKEN), None),
                "bm25": (
                    fit([texts[i] for i in bm25.rank(RULE_QUERY)], BRIEF_TOKENS * CHARS_PER_TOKEN),
                    lambda q, b=bm25, tx=texts: [tx[i] for i in b.rank(q)[:5]],
                ),
            }
            split = "tune" if pos % 2 == 0 else "check"
            for name, (text, top5) in systems.items():
                cov, stale = brief_scores(d["facts"], text)
                scores = {"coverage": cov, "stale_alone": stale}
                if top5 is not None:
                    scores["current@5"], scores["current_first"] = question_scores(d["facts"], top5)
                row = per.setdefault(name, {})
                for s in (split, "all"):
                    for metric, xs in scores.items():
                        row.setdefault(f"{s}:{metric}", []).extend(xs)
        mem.close()
    return {
        "data": str(data),
        "projects": len(projects),
        "facts": sum(len(d["facts"]) for d in projects),
        "turns": n_turns,
        "ingest_s_per_turn": round(t_ingest / max(n_turns, 1), 4),
        "systems": {name: {k: mean(v) for k, v in row.items()} for name, row in per.items()},
    }


def table(report: dict) -> str:
    lines = [
        f"{report['projects']} projects, {report['facts']} facts, {report['turns']} turns ({report['data']})",
        "| system | split | " + " | ".join(METRICS) + " |",
        "|---|---|" + "---|" * len(METRICS),
    ]
    for name, row in report["systems"].items():
        for split in ("tune", "check", "all"):
            cells = [row.get(f"{split}:{m}") for m in METRICS]
            lines.append(
                f"| {name} | {split} | " + " | ".join("—" if c is None else f"{c:.3f}" for c in cells) + " |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--show", help="print this project's briefing to stderr")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = run(args.data, show=args.show)
    print(json.dumps(report, indent=2) if args.json else table(report))


if __name__ == "__main__":
    main()
