"""LLM mode against the rules alone (issue 17): does a local GGUF model find conventions
the rules miss, without adding wrong ones, and at what cost?

From the tune split of ``memorycode_dev.jsonl`` (even dialogues) a sample of turns that
state a convention (evidence turns of current or superseded versions) and as many that do
not. For each system: the share of evidence turns where a stored statement carries the
convention's key (found), statements stored from turns that state none (noise per turn),
how many model answers validation threw out, and milliseconds per turn.

    python benchmarks/distill_llm.py --turns 30            # rules, SmolLM2-135M, Gemma 3 270M
    python benchmarks/distill_llm.py --turns 30 --models rules
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path

from memd.distill import Distiller
from memd.distill.llm import HybridDistiller, LlmReader

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "memorycode_dev.jsonl"


def sample(data: Path, n: int, seed: int) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """(evidence turn text, key regexes it states) and texts of turns that state nothing."""
    dialogues = [json.loads(line) for line in data.read_text(encoding="utf-8").splitlines() if line.strip()]
    evidence: list[tuple[str, list[str]]] = []
    plain: list[str] = []
    for pos, d in enumerate(dialogues):
        if pos % 2:  # tune split only
            continue
        turns = {f"s{s['index']}:t{i}": t["text"] for s in d["sessions"] for i, t in enumerate(s["turns"])}
        keys: dict[str, list[str]] = {}
        for c in d["current"] + d["superseded"]:
            for e in c["evidence"][:1]:
                keys.setdefault(e, []).append(c["key_re"])
        evidence += [(turns[e], res) for e, res in keys.items() if e in turns]
        plain += [t for tid, t in turns.items() if tid not in keys]
    rng = random.Random(seed)
    return rng.sample(evidence, n), rng.sample(plain, n)


def load(model: str, cache: Path):
    from memd.inference.llm import bundled_model, gemma_model
    from memd.inference.process import WorkerLLM

    path = bundled_model() if model == "smollm2" else gemma_model(cache) if model == "gemma3" else Path(model)
    return WorkerLLM(path, device="auto", n_ctx=1024)  # llama.cpp in its worker process


def run(system: str, evidence, plain, cache: Path) -> dict:
    reader = None
    if system == "rules":
        distiller = Distiller()
    else:
        reader = LlmReader(load(system, cache))
        distiller = HybridDistiller(reader)
    t0 = time.perf_counter()
    found = 0
    for text, res in evidence:
        sts = distiller.distill(text)
        found += any(re.search(r, st.text) for st in sts for r in res)
    noise = sum(len(distiller.distill(text)) for text in plain)
    elapsed = time.perf_counter() - t0
    return {
        "system": system,
        "found": round(found / len(evidence), 3),
        "noise_per_turn": round(noise / len(plain), 3),
        "llm_calls": reader.asked if reader else 0,
        "llm_rejected": reader.rejected if reader else 0,
        "ms_per_turn": round(1000 * elapsed / (len(evidence) + len(plain)), 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--turns", type=int, default=30, help="evidence turns (and as many plain ones)")
    ap.add_argument("--models", default="rules,smollm2,gemma3", help="rules, smollm2, gemma3 or a GGUF path")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    evidence, plain = sample(args.data, args.turns, args.seed)
    with tempfile.TemporaryDirectory() as cache:
        for system in args.models.split(","):
            print(json.dumps(run(system.strip(), evidence, plain, Path(cache))), flush=True)
            print(f"  {system} done", file=sys.stderr)


if __name__ == "__main__":
    main()
