"""How close in meaning an old and a new version of one fact are (issue 32: could the sifting
find "the same subject" with the embedding model?).

For each fact of an ``agentconv`` file: the user's sentences (memd.told) that name a
superseded literal, paired with the later change sentences (memd.restated's change words)
that name a current one — "related" pairs; and every other older sentence naming a value,
paired with the same change sentences — "unrelated" pairs. Prints the cosine quantiles of
both (the bundled MiniLM) and the closest related pairs that still fall low.

    python benchmarks/subject_similarity.py --data ../shared/bench/agentconv_dev.jsonl
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agentconv import DEFAULT_DATA  # noqa: E402

from memd.config import load_settings  # noqa: E402
from memd.embedding import build_embedder  # noqa: E402
from memd.restated import _CHANGE, values  # noqa: E402
from memd.told import told_sentences  # noqa: E402


def named(literal: str, text: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(literal)}(?![\w-])", text, re.IGNORECASE) is not None


def quantiles(xs: list[float], qs: tuple[float, ...]) -> list[float]:
    xs = sorted(xs)
    return [round(xs[int(q * (len(xs) - 1))], 2) for q in qs] if xs else []


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    embedder = build_embedder(load_settings(home="/nonexistent-unused", env={}))
    related: list[tuple[float, str, str]] = []
    unrelated: list[float] = []
    for line in args.data.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        project = json.loads(line)
        said: list[tuple[int, str]] = []  # (turn number, sentence) of the user's
        turn = 0
        for session in project["sessions"]:
            for t in session["turns"]:
                turn += 1
                if t["speaker"] == "user":
                    said += [(turn, s) for s in told_sentences(t["text"])]
        if not said:
            continue
        vectors = embedder.embed([s for _, s in said])
        changes = [i for i, (_, s) in enumerate(said) if _CHANGE.search(s)]
        for fact in project["facts"]:
            now = fact["current"]
            olds = [
                v for version in fact.get("history") or [[x] for x in fact["superseded"]] for v in version
            ]
            olds = [v for v in olds if v not in now]
            new = [i for i in changes if any(named(c, said[i][1]) for c in now)]
            old = [
                i
                for i, (_, s) in enumerate(said)
                if any(named(o, s) for o in olds) and not any(named(c, s) for c in now)
            ]
            for c in new:
                for o in old:
                    if said[o][0] < said[c][0]:
                        related.append((float(vectors[c] @ vectors[o]), said[o][1][:80], said[c][1][:80]))
                for o in range(len(said)):
                    if o not in old and said[o][0] < said[c][0] and values(said[o][1]):
                        unrelated.append(float(vectors[c] @ vectors[o]))
    print(
        f"related pairs {len(related)}: quantiles 0/.1/.25/.5/.75/1 =",
        quantiles([r[0] for r in related], (0, 0.1, 0.25, 0.5, 0.75, 1)),
    )
    print(
        f"unrelated pairs {len(unrelated)}: quantiles .5/.75/.9/.95/.99 =",
        quantiles(unrelated, (0.5, 0.75, 0.9, 0.95, 0.99)),
    )
    for cos, old, new in sorted(related)[:6]:
        print(f"{cos:.2f}  {old!r}  <-  {new!r}")


if __name__ == "__main__":
    main()
