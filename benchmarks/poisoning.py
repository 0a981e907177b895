"""Memory-poisoning detection on the labelled corpus `tests/data/injections.jsonl`
(`benchmarks/injection_corpus.py` writes it): attacks flagged, benign coding memories
left alone, per kind, and the time per text.

    python benchmarks/poisoning.py [--json] [--misses]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

from memd.guard import inspect

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "injections.jsonl"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--misses", action="store_true")
    args = ap.parse_args()
    rows = [json.loads(x) for x in CORPUS.read_text().splitlines() if x.strip()]
    t0 = time.perf_counter()
    flags = [inspect(r["text"]).flagged for r in rows]
    ms = (time.perf_counter() - t0) / len(rows) * 1000
    per_kind: dict[str, list[bool]] = defaultdict(list)
    for r, f in zip(rows, flags, strict=True):
        per_kind[f"{r['label']}:{r['kind']}"].append(f)
    attacks = [f for r, f in zip(rows, flags, strict=True) if r["label"] == "attack"]
    benign = [f for r, f in zip(rows, flags, strict=True) if r["label"] == "benign"]
    report = {
        "attacks": len(attacks),
        "benign": len(benign),
        "detected": round(sum(attacks) / len(attacks), 4),
        "false_positives": round(sum(benign) / len(benign), 4),
        "ms_per_text": round(ms, 3),
        "per_kind": {k: round(sum(v) / len(v), 3) for k, v in sorted(per_kind.items())},
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"corpus: {report['attacks']} attacks, {report['benign']} benign coding memories")
        print(
            f"detected {report['detected']:.3f}, false positives {report['false_positives']:.3f}, "
            f"{report['ms_per_text']} ms a text"
        )
        for k, v in report["per_kind"].items():
            print(f"  {k}: {v:.2f}")
    if args.misses:
        for r, f in zip(rows, flags, strict=True):
            if f != (r["label"] == "attack"):
                print("WRONG", r["label"], r["text"][:120].replace("\n", " "))
    return 0


if __name__ == "__main__":
    sys.exit(main())
