"""Secrets caught and look-alikes left alone: memd's redaction against Yelp's
detect-secrets on the labelled corpus `tests/data/secrets.jsonl`
(`benchmarks/secrets_corpus.py` writes it).

A secret counts as caught when its value no longer appears in the redacted text (for
detect-secrets: when a finding overlaps it); a look-alike is a false positive when the
redaction changed it (for detect-secrets: any finding). Per kind, and the time per text.

    python benchmarks/redaction.py [--json] [--misses]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

from memd.secrets import redact

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "secrets.jsonl"


def memd_flags(row: dict) -> bool:
    out = redact(row["text"])
    return row["secret"] not in out if row["secret"] else out != row["text"]


def detect_secrets_flags():
    try:
        from detect_secrets.core.scan import scan_line
        from detect_secrets.settings import default_settings
    except ImportError:
        return None

    def flags(row: dict) -> bool:
        with default_settings():
            found = [s.secret_value or "" for line in row["text"].splitlines() for s in scan_line(line)]
        if not row["secret"]:
            return bool(found)
        return any(f and (f in row["secret"] or row["secret"] in f) for f in found)

    return flags


def score(rows: list[dict], flags) -> dict:
    per_kind: dict[str, list[bool]] = defaultdict(list)
    t0 = time.perf_counter()
    results = [(r, flags(r)) for r in rows]
    ms = (time.perf_counter() - t0) / len(rows) * 1000
    for r, hit in results:
        per_kind[f"{r['label']}:{r['kind']}"].append(hit)
    pos = [hit for r, hit in results if r["label"] == "secret"]
    neg = [hit for r, hit in results if r["label"] == "lookalike"]
    return {
        "caught": round(sum(pos) / len(pos), 4),
        "false_positives": round(sum(neg) / len(neg), 4),
        "secrets": len(pos),
        "lookalikes": len(neg),
        "ms_per_text": round(ms, 3),
        "per_kind": {k: round(sum(v) / len(v), 3) for k, v in sorted(per_kind.items())},
        "misses": [r["text"][:100] for r, hit in results if (r["label"] == "secret") != hit],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--misses", action="store_true", help="print the texts each system got wrong")
    args = ap.parse_args()
    rows = [json.loads(line) for line in CORPUS.read_text().splitlines() if line.strip()]
    report = {"memd": score(rows, memd_flags)}
    ds = detect_secrets_flags()
    if ds is not None:
        report["detect-secrets 1.5 (default plugins)"] = score(rows, ds)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"corpus: {report['memd']['secrets']} secrets, {report['memd']['lookalikes']} look-alikes")
    print("| system | secrets caught | look-alikes flagged | ms a text |")
    print("|---|---|---|---|")
    for name, r in report.items():
        print(f"| {name} | {r['caught']:.3f} | {r['false_positives']:.3f} | {r['ms_per_text']} |")
    kinds = sorted({k for r in report.values() for k in r["per_kind"]})
    print("\n| kind | " + " | ".join(report) + " |")
    print("|---|" + "---|" * len(report))
    for k in kinds:
        print(f"| {k} | " + " | ".join(f"{r['per_kind'].get(k, 0):.2f}" for r in report.values()) + " |")
    if args.misses:
        for name, r in report.items():
            print(f"\n{name} got wrong:")
            for t in r["misses"]:
                print("  ", t.replace("\n", " "))
    return 0


if __name__ == "__main__":
    sys.exit(main())
