"""Fetch the instruction files of ``benchmarks/data/agentdocs_own_sources.tsv`` (ten public
repositories' CLAUDE.md / AGENTS.md / GEMINI.md / copilot-instructions / .mdc files, each at
a pinned commit) into a cache outside the repository, for ``benchmarks/agentdocs.py``.

The files are not ours to ship; their questions (``agentdocs_own_qa.jsonl``) are ours. This
is the one benchmark step that uses the network, and only when run by hand.

    python benchmarks/fetch_agentdocs.py            # -> ~/.cache/memd-bench/agentdocs_own
    python benchmarks/agentdocs.py --docs ~/.cache/memd-bench/agentdocs_own \\
        --qa benchmarks/data/agentdocs_own_qa.jsonl
"""

from __future__ import annotations

import argparse
import csv
import urllib.request
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
RAW = "https://raw.githubusercontent.com/{repo}/{commit}/{path}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sources", type=Path, default=DATA / "agentdocs_own_sources.tsv")
    parser.add_argument("--out", type=Path, default=Path.home() / ".cache" / "memd-bench" / "agentdocs_own")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with args.sources.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    for row in rows:
        target = args.out / row["file"]
        if target.exists():
            print(f"{row['file']}: cached")
            continue
        url = RAW.format(**row)
        with urllib.request.urlopen(url, timeout=30) as resp:  # noqa: S310 - a fixed https URL
            target.write_bytes(resp.read())
        print(f"{row['file']}: {target.stat().st_size:,} bytes from {url}")


if __name__ == "__main__":
    main()
