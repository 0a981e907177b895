"""Re-run the headline figures of BENCHMARKS.md, each script as the file quotes it.

Every script runs in its own process, one after the other (they would disturb each
other's timings side by side), and prints its report under the command that produced
it; the total time is printed at the end. ``--quick`` uses the sizes that fit in about
20 minutes on the reference box (2 vCPU); without it, the sizes the file's tables use.

    python benchmarks/all.py --quick
    python benchmarks/all.py --only conventions,locomo
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (name, quick arguments, full arguments)
RUNS: list[tuple[str, list[str], list[str]]] = [
    ("locomo", ["--baselines"], ["--baselines"]),
    ("conventions", [], []),
    ("lifecycle", ["--facts", "120"], ["--facts", "500"]),
    ("relevance", [], []),
    ("hooks", ["--runs", "5"], ["--runs", "20"]),
    ("agent_tokens", [], []),
    ("mcp_latency", ["--memories", "500", "--calls", "50"], ["--memories", "500"]),
    ("scale", ["--sizes", "10000"], ["--sizes", "10000", "100000"]),
    ("distill_llm", ["--turns", "10", "--models", "rules"], ["--turns", "30"]),
    ("redaction", [], []),
    ("poisoning", [], []),
    ("tune", ["--grid", "brevity_weight=0,0.15", "--grid", "author_boost=0,0.2"], []),
    ("crash", ["--trials", "20"], ["--trials", "200"]),
    ("fuzz", ["--cases", "1000"], ["--cases", "10000"]),
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="the sizes that fit in about 20 minutes")
    ap.add_argument("--only", default="", help="comma-separated names: " + ", ".join(n for n, _, _ in RUNS))
    args = ap.parse_args()
    wanted = {n.strip() for n in args.only.split(",") if n.strip()}
    unknown = wanted - {n for n, _, _ in RUNS}
    if unknown:
        print(f"unknown benchmark(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    failed = []
    for name, quick, full in RUNS:
        if wanted and name not in wanted:
            continue
        command = [sys.executable, str(HERE / f"{name}.py"), *(quick if args.quick else full)]
        shown = " ".join(["python", f"benchmarks/{name}.py", *command[2:]])
        print(f"\n## {name}\n\n$ {shown}", flush=True)
        t0 = time.perf_counter()
        done = subprocess.run(command, check=False)
        print(f"({name}: {time.perf_counter() - t0:.0f} s, exit {done.returncode})", flush=True)
        if done.returncode:
            failed.append(name)
    print(
        f"\nall: {time.perf_counter() - start:.0f} s" + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
