"""Stale detection on real code evolution: a package's consecutive releases, replayed as commits.

The sdists of consecutive releases of a pure-Python package are downloaded once (``pip
download``, the only network this script uses, cached under ``--cache``) and committed one
after another into a temporary git repository (only ``*.py`` files, the sdist's top
directory stripped). At the first version every function, method and class (a seeded
sample of ``--anchors``) gets a memory anchored to it. After each later commit
``memd stale`` runs, and what memd says of each memory is compared with ground truth.

**Ground truth** comes from a different parser, Python's own ``ast``, over each version:
a definition is followed by its qualified name — in its file, else the one file that now
defines that qualified name with the same body, else the one file defining it at all
(moved); it is *changed* when its source (whitespace-normalised) differs from the first
version's, *deleted* when no file defines it. memd's verdict counts as stale when the
anchor is ``changed`` or ``deleted``.

Reported: precision and recall of stale detection per commit and overall, the share of
moves memd followed to the right file and name, the cost of ``memd stale`` per commit and
of the checks a recall adds (warm, ten anchored hits).

    python benchmarks/anchors.py                                   # requests 2.25.0 → 2.32.3
    python benchmarks/anchors.py --package attrs --versions 21.4.0,22.1.0,22.2.0,23.1.0
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_PACKAGE = "requests"
DEFAULT_VERSIONS = "2.25.0,2.26.0,2.27.0,2.28.0,2.29.0,2.30.0,2.31.0,2.32.0,2.32.3"
CACHE = Path.home() / ".cache" / "memd-bench" / "sdists"
# Verdicts against the text truth (tp/fp/fn/tn), against meaning (m*), and moves followed.
COUNTS = ("tp", "fp", "fn", "tn", "moves", "moves_followed", "mtp", "mfp", "mfn")


# -- the history ----------------------------------------------------------------------------


def fetch(package: str, version: str, cache: Path) -> Path:
    """The sdist of ``package==version``, downloaded once."""
    cache.mkdir(parents=True, exist_ok=True)
    for p in cache.glob(f"{package}-{version}.tar.gz"):
        return p
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-binary",
            ":all:",
            "-d",
            str(cache),
            f"{package}=={version}",
        ],
        check=True,
        capture_output=True,
    )
    (found,) = cache.glob(f"{package}-{version}.tar.gz")
    return found


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.email=bench@memd", "-c", "user.name=bench", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def commit_tree(repo: Path, files: dict[str, str], message: str) -> None:
    """Make the work tree exactly ``files`` and commit it."""
    for p in repo.rglob("*.py"):
        p.unlink()
    for rel, text in files.items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", message, "--allow-empty")


def sdist_files(sdist: Path) -> dict[str, str]:
    """The ``*.py`` files of an sdist, paths without its top directory (tests and docs kept:
    they are code people remember things about too)."""
    out = {}
    with tarfile.open(sdist) as tar:
        for member in tar.getmembers():
            parts = member.name.split("/", 1)
            if member.isfile() and len(parts) == 2 and parts[1].endswith(".py"):
                f = tar.extractfile(member)
                if f is not None:
                    out[parts[1]] = f.read().decode("utf-8", "replace")
    return out


# -- ground truth with ast -------------------------------------------------------------------


def definitions(files: dict[str, str], *, meaning: bool = False) -> dict[tuple[str, str], str]:
    """(path, qualname) → whitespace-normalised source, for every def and class; with
    ``meaning``, the definition's syntax tree instead (``ast.dump``: comments, layout, quote
    style and parentheses do not count, docstrings and code do)."""
    out: dict[tuple[str, str], str] = {}
    for path, text in files.items():
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue

        lines = text.splitlines()

        def walk(node: ast.AST, outer: tuple[str, ...], path: str = path, lines: list[str] = lines) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    qual = ".".join((*outer, child.name))
                    if meaning:
                        segment = ast.dump(child, include_attributes=False)
                    else:
                        segment = "\n".join(lines[child.lineno - 1 : child.end_lineno])
                    # The first of two same-named definitions (a property and its setter) is
                    # the one a name lookup finds in both memd and here.
                    out.setdefault((path, qual), " ".join(segment.split()))
                    walk(child, (*outer, child.name) if isinstance(child, ast.ClassDef) else outer)
                else:
                    walk(child, outer)

        walk(tree, ())
    return out


def truth(anchor: tuple[str, str], body0: str, now: dict[tuple[str, str], str]) -> tuple[str, str | None]:
    """(state, path now) of the definition first seen at ``anchor`` = (path, qualname)."""
    path, qual = anchor
    if (path, qual) in now:
        return ("changed" if now[(path, qual)] != body0 else "current"), path
    same_body = [p for (p, q), body in now.items() if q == qual and body == body0]
    if len(same_body) == 1:
        return "moved", same_body[0]
    named = [p for (p, q) in now if q == qual]
    if len(named) == 1:
        return "changed", named[0]  # moved and changed
    return "deleted", None


# -- the run ------------------------------------------------------------------------------------


def run(history: list[tuple[str, dict[str, str]]], *, anchors: int = 400, seed: int = 1) -> dict:
    import memd
    from memd.anchors.resolve import anchors_for

    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        repo.mkdir()
        _git(repo, "init", "-q")
        first_version, first_files = history[0]
        commit_tree(repo, first_files, first_version)
        defs0 = definitions(first_files)
        meaning0 = definitions(first_files, meaning=True)
        chosen = sorted(defs0)
        random.Random(seed).shuffle(chosen)
        chosen = chosen[:anchors]
        m = memd.open(Path(tmp) / "home", distill=False)
        memory_of: dict[str, tuple[str, str]] = {}
        skipped = 0
        for path, qual in chosen:
            try:
                (a,) = anchors_for("", [f"{path}::{qual}"], repo)
            except Exception:  # noqa: BLE001 - counted: a definition memd cannot anchor
                skipped += 1
                continue
            r = m.remember(
                f"{qual} in {path} does what its name says",
                project="bench",
                kind="semantic",
                anchors=[a],
                source_id=f"{path}::{qual}",
            )
            memory_of[r.id] = (path, qual)
        steps = []
        totals = dict.fromkeys(COUNTS, 0)
        for version, files in history[1:]:
            commit_tree(repo, files, version)
            defs = definitions(files)
            meaning = definitions(files, meaning=True)
            started = time.perf_counter()
            m.code("stale", project="bench")
            stale_s = time.perf_counter() - started
            step: dict[str, Any] = {"version": version, **dict.fromkeys(COUNTS, 0)}
            for record in m.list(project="bench", limit=None, include_archived=True):
                if record.id not in memory_of:
                    continue
                key = memory_of[record.id]
                state, where = truth(key, defs0[key], defs)
                (a,) = record.anchors
                said_stale = a.state in ("changed", "deleted")
                is_stale = state in ("changed", "deleted")
                step[("tp" if is_stale else "fp") if said_stale else ("fn" if is_stale else "tn")] += 1
                # Against what the code means (the syntax tree), not how it is written.
                meant = truth(key, meaning0.get(key, ""), meaning)[0] in ("changed", "deleted")
                if said_stale or meant:
                    step["mtp" if said_stale and meant else ("mfp" if said_stale else "mfn")] += 1
                if where is not None and where != key[0]:
                    step["moves"] += 1
                    step["moves_followed"] += int(a.path == where and a.symbol == key[1])
            step["stale_s"] = round(stale_s, 3)
            steps.append(step)
            for k in totals:
                totals[k] += step[k]
        recall_ms = _recall_cost(m, list(memory_of))
        m.close()
    tp, fp, fn = totals["tp"], totals["fp"], totals["fn"]
    return {
        "versions": [v for v, _ in history],
        "anchored": len(memory_of),
        "not_anchorable": skipped,
        "precision": round(tp / (tp + fp), 3) if tp + fp else None,
        "recall": round(tp / (tp + fn), 3) if tp + fn else None,
        "stale_truth": tp + fn,
        "meaning_precision": round(totals["mtp"] / (totals["mtp"] + totals["mfp"]), 3)
        if totals["mtp"] + totals["mfp"]
        else None,
        "meaning_recall": round(totals["mtp"] / (totals["mtp"] + totals["mfn"]), 3)
        if totals["mtp"] + totals["mfn"]
        else None,
        "moves": totals["moves"],
        "moves_followed": round(totals["moves_followed"] / totals["moves"], 3) if totals["moves"] else None,
        "stale_s_per_commit_p50": round(statistics.median(s["stale_s"] for s in steps), 3),
        "check_ms_per_recall_p50": recall_ms,
        "steps": steps,
    }


def _recall_cost(m, ids: list[str]) -> float:  # noqa: ANN001
    """The checks a recall adds: ten anchored hits checked, warm (the files' parses cached)."""
    from memd.records import Hit

    hits = [Hit(memory=m.get(i), score=1.0, channels={}) for i in ids[:10]]
    code = m._p.code  # noqa: SLF001 - the step measured, without the rest of a recall
    code.refresh_hits(hits)
    times = []
    for _ in range(50):
        t0 = time.perf_counter()
        code.refresh_hits(hits)
        times.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(times), 3)


def history_of(package: str, versions: list[str], cache: Path) -> Iterator[tuple[str, dict[str, str]]]:
    for v in versions:
        yield v, sdist_files(fetch(package, v, cache))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--package", default=DEFAULT_PACKAGE)
    ap.add_argument("--versions", default=DEFAULT_VERSIONS, help="comma-separated, oldest first")
    ap.add_argument("--anchors", type=int, default=400, help="definitions anchored at the first version")
    ap.add_argument("--cache", type=Path, default=CACHE)
    args = ap.parse_args()
    history = list(history_of(args.package, args.versions.split(","), args.cache))
    report = {"package": args.package, **run(history, anchors=args.anchors)}
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    shutil.which("git") or sys.exit("git is needed")
    sys.exit(main())
