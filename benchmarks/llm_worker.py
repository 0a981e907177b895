"""What running llama.cpp in a worker process costs (issue 31), A/B in one run.

In-process (``LlamaCppLLM``, the old way) against the worker (``WorkerLLM``): the first call
(start + load), a warm ``count_tokens`` (the pipe's round trip, almost no model work) and a
warm 16-token reply, each the median of ``--runs``; then what a crash costs: the time from a
worker's SIGSEGV to the next answer (restart, reload, reply).

    .venv/bin/python benchmarks/llm_worker.py --runs 20
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _median_ms(fn, runs: int) -> float:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return statistics.median(out)


def measure(llm, runs: int) -> dict[str, float]:
    t0 = time.perf_counter()
    llm.complete("Answer briefly.", "Say OK.", max_tokens=4)
    first = (time.perf_counter() - t0) * 1000
    return {
        "first call ms": first,
        "count_tokens ms": _median_ms(
            lambda: llm.count_tokens("How do we deploy the billing service?"), runs
        ),
        "16-token reply ms": _median_ms(
            lambda: llm.complete("Answer briefly.", "Where do the tests live?", max_tokens=16), runs
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--model", type=Path, default=None, help="a GGUF file (default: the bundled one)")
    args = parser.parse_args()
    from memd.inference.llm import LlamaCppLLM, bundled_model
    from memd.inference.process import WorkerLLM

    path = args.model or bundled_model()
    worker = WorkerLLM(path, device="cpu", n_ctx=1024)
    rows = {"worker process": measure(worker, args.runs)}
    assert worker.pid is not None
    os.kill(worker.pid, signal.SIGSEGV)
    time.sleep(0.2)
    t0 = time.perf_counter()
    worker.complete("Answer briefly.", "Say OK.", max_tokens=4)
    recovery = (time.perf_counter() - t0) * 1000
    worker.close()
    # In-process last: once llama.cpp is loaded here it stays loaded.
    rows["in-process (before)"] = measure(LlamaCppLLM(path, device="cpu", n_ctx=1024), args.runs)
    print(f"model {path.name}, {args.runs} runs each, medians; CPU, {os.cpu_count()} cores")
    print(f"| | {' | '.join(rows['worker process'])} |")
    print("|---|---|---|---|")
    for name, row in rows.items():
        print(f"| {name} | {' | '.join(f'{v:.1f}' for v in row.values())} |")
    print(
        f"after a SIGSEGV of the worker, the next answer came in {recovery:.0f} ms (restart + load + reply)"
    )


if __name__ == "__main__":
    main()
