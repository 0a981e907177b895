"""What a briefing and a recall cost on conversations (issue 32: the told section and the
sifting run on every briefing, the newer-word step on every recall).

Each project of an ``agentconv`` file is ingested as ``benchmarks/agentconv.py`` does; then
per project ten briefings (1,500 tokens) and one recall (k=5) per fact's question are timed,
warm (one briefing first). Prints the medians. Compare commits A/B in one sitting on one box
(``PYTHONPATH=<worktree>`` runs an older commit's memd).

    python benchmarks/briefing_cost.py --data benchmarks/data/agentconv_voices.jsonl
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agentconv import DEFAULT_DATA  # noqa: E402
from conventions import BRIEF_TOKENS, ingest  # noqa: E402

import memd  # noqa: E402


def run(data: Path, briefings: int = 10) -> dict[str, float]:
    projects = [json.loads(ln) for ln in data.read_text(encoding="utf-8").splitlines() if ln.strip()]
    brief_s: list[float] = []
    recall_s: list[float] = []
    with tempfile.TemporaryDirectory() as home:
        mem = memd.open(home)
        for d in projects:
            project = f"ac-{d['id']}"
            ingest(mem, d, project)
            mem.context(project, max_tokens=BRIEF_TOKENS)
            for _ in range(briefings):
                t = time.perf_counter()
                mem.context(project, max_tokens=BRIEF_TOKENS)
                brief_s.append(time.perf_counter() - t)
            for f in d["facts"]:
                t = time.perf_counter()
                mem.recall(f["question"], project=project, k=5)
                recall_s.append(time.perf_counter() - t)
        mem.close()
    return {
        "briefing_ms_p50": round(1000 * statistics.median(brief_s), 1),
        "briefings": len(brief_s),
        "recall_ms_p50": round(1000 * statistics.median(recall_s), 1),
        "recalls": len(recall_s),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--briefings", type=int, default=10, help="timed briefings per project")
    args = parser.parse_args()
    print(json.dumps(run(args.data, args.briefings)))


if __name__ == "__main__":
    main()
