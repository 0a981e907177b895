"""`memd ask` on LoCoMo: answer F1 against the gold answers, per GGUF model.

The four dev conversations are stored one memory per turn (as benchmarks/locomo.py does);
a stratified sample of questions (``--per-category`` from each of multi-hop, temporal,
open-domain and single-hop, the same questions for every model) is asked with ``memd ask``
(k=8, the model's context filled). Scored as the LoCoMo paper scores answers: token F1
after lower-casing and removing punctuation and articles (without the paper's stemming).
"I don't know" scores 0 on these questions. Adversarial questions (category 5: the answer
is not in the conversation) are reported apart: the share answered "I don't know".

A baseline in the same run needs no LLM: the top recalled memory's text as the answer
(what an agent reads without ``ask``). Its F1 is low by construction — a whole turn against
a few words — and is there to show what the model adds to the words, not to recall.

    python benchmarks/ask.py                                # smollm2 and gemma3, 10 a category
    python benchmarks/ask.py --models smollm2,/path/to/model.gguf --per-category 25
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import string
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import locomo  # noqa: E402

CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop"}


def normalize(text: str) -> list[str]:
    text = str(text).lower()
    text = "".join(ch for ch in text if ch not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the|and)\b", " ", text)
    return text.split()


def f1(prediction: str, gold: str) -> float:
    p, g = normalize(prediction), normalize(gold)
    common = Counter(p) & Counter(g)
    same = sum(common.values())
    if not p or not g or same == 0:
        return 0.0
    precision, recall = same / len(p), same / len(g)
    return 2 * precision * recall / (precision + recall)


def sample_questions(samples: list[dict], per_category: int, seed: int = 11) -> list[dict]:
    rng = random.Random(seed)
    by_cat: dict[int, list[dict]] = {}
    for s in samples:
        for qa in s["qa"]:
            by_cat.setdefault(qa["category"], []).append({**qa, "project": s["sample_id"]})
    chosen = []
    for cat in (1, 2, 3, 4, 5):
        pool = by_cat.get(cat, [])
        n = per_category if cat != 5 else max(1, per_category // 2)
        chosen += rng.sample(pool, min(n, len(pool)))
    return chosen


def model_path(name: str, cache: Path) -> Path:
    from memd.inference.llm import bundled_model, gemma_model

    if name == "smollm2":
        return bundled_model()
    if name == "gemma3":
        return gemma_model(cache)
    return Path(name)


def run_model(mem, questions: list[dict], path: Path, n_ctx: int) -> dict:
    from memd.ask import DONT_KNOW, ask
    from memd.inference.ledger import Ledger
    from memd.inference.process import WorkerLLM
    from memd.inference.runtime import LlmRuntime

    with tempfile.TemporaryDirectory() as tmp:
        runtime = LlmRuntime(WorkerLLM(path, device="auto", n_ctx=n_ctx), Ledger(Path(tmp)))
        scores: dict[str, list[float]] = {}
        adversarial_idk, idk, seconds, examples = [], [], [], []
        for qa in questions:
            t0 = time.perf_counter()
            answer = runtime.run(
                "ask",
                lambda llm, qa=qa: ask(
                    mem, llm, qa["question"], project=qa["project"], k=8, n_ctx=n_ctx, count=llm.count_tokens
                ),
            )
            seconds.append(time.perf_counter() - t0)
            if qa["category"] == 5:
                adversarial_idk.append(answer.answer == DONT_KNOW)
                continue
            idk.append(answer.answer == DONT_KNOW)
            score = f1(answer.answer, str(qa["answer"]))
            scores.setdefault(CATEGORIES[qa["category"]], []).append(score)
            if len(examples) < 6:
                examples.append(
                    {
                        "q": qa["question"],
                        "gold": qa["answer"],
                        "answer": answer.answer,
                        "f1": round(score, 2),
                        "why": answer.why,
                        "raw": answer.raw[:160],
                    }
                )
        ledger = Ledger(Path(tmp)).summary()["ask"]
        runtime.stop()
    every = [x for v in scores.values() for x in v]
    return {
        "model": path.name,
        "f1": round(statistics.mean(every), 3),
        "by_category": {k: round(statistics.mean(v), 3) for k, v in scores.items()},
        "dont_know_share": round(statistics.mean(idk), 3),
        "adversarial_said_dont_know": round(statistics.mean(adversarial_idk), 3) if adversarial_idk else None,
        "seconds_per_question": round(statistics.mean(seconds), 2),
        "tokens_out_per_s": round(ledger["tokens_out"] / max(ledger["seconds"], 1e-9), 1),
        "tokens_in_per_question": round(ledger["tokens_in"] / max(ledger["calls"], 1)),
        "examples": examples,
    }


def recall_baseline(mem, questions: list[dict]) -> dict:
    scores: dict[str, list[float]] = {}
    for qa in questions:
        if qa["category"] == 5:
            continue
        hits = mem.recall(qa["question"], k=1, project=qa["project"])
        text = hits[0].memory.text.split("] ", 1)[-1] if hits else ""
        scores.setdefault(CATEGORIES[qa["category"]], []).append(f1(text, str(qa["answer"])))
    every = [x for v in scores.values() for x in v]
    return {
        "f1": round(statistics.mean(every), 3),
        "by_category": {k: round(statistics.mean(v), 3) for k, v in scores.items()},
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=locomo.DEFAULT_DATA)
    ap.add_argument(
        "--models", default="smollm2,gemma3", help="smollm2, gemma3 or GGUF paths, comma-separated"
    )
    ap.add_argument("--per-category", type=int, default=10)
    ap.add_argument("--n-ctx", type=int, default=2048)
    args = ap.parse_args()
    import memd

    samples = json.loads(args.data.read_text())
    questions = sample_questions(samples, args.per_category)
    with tempfile.TemporaryDirectory() as tmp:
        mem = memd.open(Path(tmp) / "home")
        locomo.ingest(mem, samples)
        report: dict = {"questions": len(questions), "recall_top1_baseline": recall_baseline(mem, questions)}
        for name in args.models.split(","):
            try:
                path = model_path(name.strip(), Path(tmp) / "models")
            except Exception as exc:  # noqa: BLE001 - a model not installed is reported, not fatal
                report[name] = {"error": str(exc)}
                continue
            print(f"asking {len(questions)} questions with {path.name} ...", file=sys.stderr)
            report[name] = run_model(mem, questions, path, args.n_ctx)
        mem.close()
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
