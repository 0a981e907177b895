"""LoCoMo evidence recall for memd.

One memory per dialogue turn (``"[8 May 2023] Caroline: <text>"``), event time =
the session's date, source_id = the turn's dia_id, one project per conversation.
For each question, recall@k = share of its evidence dia_ids found in the top k
(the official way). Categories: 1 multi-hop, 2 temporal, 3 open-domain,
4 single-hop; "overall" is 1-4, 5 (adversarial) is reported apart.

    python benchmarks/locomo.py --data ../shared/bench/locomo_dev.json --json
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import memd

CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop", 5: "adversarial"}
DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "locomo_dev.json"


def session_date(raw: str) -> datetime:
    return datetime.strptime(raw.strip(), "%I:%M %p on %d %B, %Y").replace(tzinfo=UTC)


def turns(sample: dict) -> list[dict]:
    conv = sample["conversation"]
    out = []
    n = 1
    while f"session_{n}" in conv:
        when = session_date(conv[f"session_{n}_date_time"])
        label = f"{when.day} {when:%B %Y}"
        for turn in conv[f"session_{n}"]:
            text = f"[{label}] {turn['speaker']}: {turn['text']}"
            if turn.get("blip_caption"):
                text += f" [shared an image: {turn['blip_caption']}]"
            out.append(
                {"text": text, "created_at": when, "source_id": turn["dia_id"], "author": turn["speaker"]}
            )
        n += 1
    return out


def evidence_ids(raw: list[str], known: set[str]) -> list[str]:
    out: list[str] = []
    for item in raw:
        for part in re.split(r"[;,\s]+", item):
            m = re.fullmatch(r"D:?(\d+):0*(\d+)", part.strip())
            if m:
                dia = f"D{m.group(1)}:{m.group(2)}"
                if dia in known and dia not in out:
                    out.append(dia)
    return out


def ingest(mem, samples: list[dict]) -> tuple[int, float]:
    n_mem, seconds = 0, 0.0
    for sample in samples:
        items = turns(sample)
        t0 = time.perf_counter()
        mem.remember_many([{**t, "project": sample["sample_id"], "source": "import"} for t in items])
        seconds += time.perf_counter() - t0
        n_mem += len(items)
    return n_mem, seconds


def evaluate(mem, samples: list[dict], ks: tuple[int, ...] = (5, 10)) -> dict:
    per_cat: dict[int, dict[int, list[float]]] = {c: {k: [] for k in ks} for c in CATEGORIES}
    latencies: list[float] = []
    for sample in samples:
        project = sample["sample_id"]
        known = {t["source_id"] for t in turns(sample)}
        for qa in sample["qa"]:
            gold = evidence_ids(qa.get("evidence", []), known)
            if not gold:
                continue
            t0 = time.perf_counter()
            hits = mem.recall(str(qa["question"]), k=max(ks), project=project)
            latencies.append((time.perf_counter() - t0) * 1000)
            found = [h.memory.source_id for h in hits]
            for k in ks:
                top = set(found[:k])
                per_cat[qa["category"]][k].append(sum(g in top for g in gold) / len(gold))
    report: dict = {"categories": {}}
    for c, name in CATEGORIES.items():
        report["categories"][name] = {
            f"R@{k}": round(statistics.fmean(v), 4) if v else None for k, v in per_cat[c].items()
        } | {"n": len(per_cat[c][ks[0]])}
    overall = {k: [x for c in (1, 2, 3, 4) for x in per_cat[c][k]] for k in ks}
    report["overall"] = {f"R@{k}": round(statistics.fmean(v), 4) for k, v in overall.items()} | {
        "n": len(overall[ks[0]])
    }
    lat = sorted(latencies)
    report["recall_ms"] = {
        "p50": round(lat[len(lat) // 2], 2),
        "p95": round(lat[int(len(lat) * 0.95)], 2),
    }
    return report


def run(
    data: Path,
    *,
    ks: tuple[int, ...] = (5, 10),
    home: Path | None = None,
    tier: str | None = None,
    **settings,
) -> dict:
    samples = json.loads(data.read_text())
    tmp = tempfile.TemporaryDirectory()
    mem = memd.open(home or Path(tmp.name) / "home", **settings)
    n_mem, seconds = ingest(mem, samples)
    if tier is not None:  # the recall cost of a tier's compressed vectors
        from lifecycle import force_tier

        force_tier(mem, tier)
    report = evaluate(mem, samples, ks)
    mem.close()
    return report | {"memories": n_mem, "ingest_per_s": round(n_mem / seconds, 1)}


def ablate(data: Path, **settings) -> list[tuple[str, dict]]:
    """Each channel off in turn (and each alone), over one ingested store."""
    from memd.retrieval import CHANNEL_NAMES

    samples = json.loads(data.read_text())
    tmp = tempfile.TemporaryDirectory()
    mem = memd.open(Path(tmp.name) / "home", **settings)
    ingest(mem, samples)
    retriever = mem.retriever
    base = dict(retriever.weights)
    rows = [("all channels", evaluate(mem, samples))]
    for name in CHANNEL_NAMES:
        retriever.weights = base | {name: 0.0}
        rows.append((f"without {name}", evaluate(mem, samples)))
    retriever.weights = base
    retriever.adaptive = False
    rows.append(("without adaptive weights", evaluate(mem, samples)))
    retriever.adaptive = True
    boost, retriever.author_boost = retriever.author_boost, 0.0
    rows.append(("without authorship", evaluate(mem, samples)))
    retriever.author_boost = boost
    brevity, retriever.brevity_weight = retriever.brevity_weight, 0.0
    rows.append(("without brevity", evaluate(mem, samples)))
    retriever.brevity_weight = brevity
    from memd.retrieval import semantic

    depth, semantic.SCALE_DEPTH = semantic.SCALE_DEPTH, 0
    rows.append(("semantic scaled over the depth asked", evaluate(mem, samples)))
    semantic.SCALE_DEPTH = depth
    for name in ("keyword", "semantic"):
        retriever.weights = {n: (1.0 if n == name else 0.0) for n in base}
        rows.append((f"{name} only", evaluate(mem, samples)))
    mem.close()
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="LoCoMo JSON file")
    ap.add_argument("--json", action="store_true", help="print the report as JSON")
    ap.add_argument("--ablate", action="store_true", help="each channel off in turn, as a Markdown table")
    ap.add_argument(
        "--tier", choices=["warm", "cold"], help="move every memory to this tier (compressed vectors) first"
    )
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a memd setting for this run, e.g. keyword_weight=0.5",
    )
    args = ap.parse_args()
    if not args.data.is_file():
        print(f"no data at {args.data}; pass --data PATH", file=sys.stderr)
        return 2
    settings = dict(s.split("=", 1) for s in args.set)
    if args.ablate:
        print(
            "| configuration | R@5 | R@10 | multi-hop R@10 | temporal R@10 | open-domain R@10 "
            "| single-hop R@10 | p50 ms |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for label, r in ablate(args.data, **settings):
            c = r["categories"]
            print(
                f"| {label} | {r['overall']['R@5']:.3f} | {r['overall']['R@10']:.3f} | "
                + " | ".join(
                    f"{c[n]['R@10']:.3f}" for n in ("multi-hop", "temporal", "open-domain", "single-hop")
                )
                + f" | {r['recall_ms']['p50']} |",
                flush=True,
            )
        return 0
    report = run(args.data, tier=args.tier, **settings)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"{'category':<12} {'n':>4} {'R@5':>6} {'R@10':>6}")
        for name, row in [*report["categories"].items(), ("overall 1-4", report["overall"])]:
            print(f"{name:<12} {row['n']:>4} {row['R@5'] or 0:>6.3f} {row['R@10'] or 0:>6.3f}")
        print(
            f"ingest {report['ingest_per_s']} memories/s; "
            f"recall p50 {report['recall_ms']['p50']} ms, "
            f"p95 {report['recall_ms']['p95']} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
