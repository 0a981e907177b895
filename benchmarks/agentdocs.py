"""Real agent instruction files in, nothing lost (issue 33's benchmark).

Each file of ``agentdocs_dev/`` (format and questions: ../shared/bench/README.md, section
"agentdocs_dev") is read as ``memd ingest`` reads it (memd.ingest.conversations.read_file) into
a project of its own. Per file: the format chosen and the share of its non-blank lines some
stored memory holds. Per question: hit@5 / hit@10 of ``recall`` (an answer substring in a
recalled text, whitespace normalised) and whether ``context --task QUESTION`` (1,500 tokens)
holds it. Baseline in the same run: BM25 over the very items memd stored (hit@5 / hit@10).
Also the median time of ``context --task`` and of a plain ``context`` (in-process, warm).

    python benchmarks/agentdocs.py                      # ../shared/bench/agentdocs_dev
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conventions import BM25, mean  # noqa: E402

import memd  # noqa: E402
from memd.ingest import conversations  # noqa: E402

BENCH = Path(__file__).resolve().parents[1].parent / "shared" / "bench"


def norm(text: str) -> str:
    return " ".join(text.split())


def plain(text: str) -> str:
    """A line as the README compares it: Markdown markers and backticks aside, whitespace collapsed."""
    return norm(re.sub(r"^\s*(?:#{1,6}|[-*+>]|\d+[.)])\s+", "", text).replace("`", ""))


def kept_share(raw: str, texts: list[str]) -> tuple[int, int]:
    held = [plain(t).replace("`", "") for t in texts]
    wanted = [p for p in (plain(ln) for ln in raw.splitlines()) if p and p not in ("```", "~~~")]
    return len(wanted), sum(1 for w in wanted if any(w in h for h in held))


def read(path: Path) -> tuple[str, list[dict]]:
    """(format, items) as ``memd ingest`` reads ``path`` (an older memd: guessed from authors)."""
    if hasattr(conversations, "read_file"):
        r = conversations.read_file(path)
        return r.format, r.items
    items = conversations.read_turns(path)
    return ("text-chat" if any(t["author"] for t in items) else "document"), items


def found(answers: list[str], texts: list[str]) -> bool:
    return any(norm(a) in norm(t) for a in answers for t in texts)


def run(docs: Path, qa: Path) -> dict:
    questions = [json.loads(ln) for ln in qa.read_text(encoding="utf-8").splitlines() if ln.strip()]
    files: dict[str, dict] = {}
    scores: dict[str, list[float]] = {}
    timings: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as home:
        mem = memd.open(home)
        texts_of: dict[str, list[str]] = {}
        for path in sorted(docs.glob("*")):
            if path.name == "sources.tsv" or not path.is_file():
                continue
            fmt, items = read(path)
            project = f"doc-{len(files)}"
            mem.remember_many([{**t, "project": project} for t in items])
            texts_of[path.name] = [t["text"] for t in items]
            lines, kept = kept_share(path.read_text(encoding="utf-8"), texts_of[path.name])
            files[path.name] = {"project": project, "format": fmt, "lines": lines, "kept": kept}
        for q in questions:
            f = files.get(q["doc"])
            if f is None:
                continue
            hits = [h.memory.text for h in mem.recall(q["question"], project=f["project"], k=10)]
            bm25 = BM25(texts_of[q["doc"]])
            ranked = [texts_of[q["doc"]][i] for i in bm25.rank(q["question"])[:10]]
            t0 = time.perf_counter()
            brief = mem.context(f["project"], max_tokens=1500, task=q["question"]).text
            timings.setdefault("task briefing ms", []).append(1000 * (time.perf_counter() - t0))
            t0 = time.perf_counter()
            mem.context(f["project"], max_tokens=1500)
            timings.setdefault("briefing ms", []).append(1000 * (time.perf_counter() - t0))
            row = {
                "memd hit@5": found(q["answer_substrings"], hits[:5]),
                "memd hit@10": found(q["answer_substrings"], hits),
                "memd task briefing": found(q["answer_substrings"], [brief]),
                "bm25 hit@5": found(q["answer_substrings"], ranked[:5]),
                "bm25 hit@10": found(q["answer_substrings"], ranked),
            }
            for k, v in row.items():
                scores.setdefault(k, []).append(float(v))
        mem.close()
    lines = sum(f["lines"] for f in files.values())
    return {
        "files": files,
        "lines_kept_share": round(sum(f["kept"] for f in files.values()) / max(lines, 1), 3),
        "questions": len(scores.get("memd hit@5", [])),
        "scores": {k: mean(v) for k, v in scores.items()},
        "p50": {k: round(statistics.median(v), 1) for k, v in timings.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=Path, default=BENCH / "agentdocs_dev")
    parser.add_argument("--qa", type=Path, default=BENCH / "agentdocs_dev_qa.jsonl")
    args = parser.parse_args()
    report = run(args.docs, args.qa)
    for name, f in report["files"].items():
        print(f"{name}: read as {f['format']}, {f['kept']} of {f['lines']} lines kept")
    print(f"lines kept: {report['lines_kept_share']}; {report['questions']} questions")
    for k, v in report["scores"].items():
        print(f"{k}: {v:.3f}")
    for k, v in report["p50"].items():
        print(f"{k} (p50): {v}")


if __name__ == "__main__":
    main()
