"""Wall time of each Claude Code hook as Claude Code runs it: a fresh `memd hooks run EVENT`
process with the payload on stdin, cold (no daemon) and warm (a daemon answers).

Cold session start is measured twice: with the briefing snapshot a CLI write leaves
(memd.briefcache), and without one (another writer changed the store since, so the hook
reads the LanceDB files itself). Every run's output is checked, not just timed.

    python benchmarks/hooks.py --runs 20        # prints a JSON document
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXE = str(Path(sys.executable).parent / "memd")


def _stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "p50_s": round(statistics.median(ordered), 3),
        "p95_s": round(p95, 3),
        "max_s": round(ordered[-1], 3),
    }


def _hook(event: str, payload: dict, env: dict, cwd: Path) -> tuple[float, str]:
    t0 = time.perf_counter()
    p = subprocess.run(
        [EXE, "hooks", "run", event],
        input=json.dumps(payload),
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    return time.perf_counter() - t0, p.stdout


def _memd(args: list[str], env: dict, cwd: Path) -> str:
    return subprocess.run([EXE, *args], env=env, cwd=cwd, capture_output=True, text=True, check=True).stdout


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--memories", type=int, default=200, help="memories in the project")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo, transcript = Path(tmp, "repo"), Path(tmp, "t.jsonl")
        repo.mkdir()
        transcript.write_text(
            json.dumps({"type": "user", "message": {"role": "user", "content": "fix the build"}})
        )
        env = {**os.environ, "MEMD_HOME": str(Path(tmp, "home")), "MEMD_HOOKS_START_DAEMON": "0"}
        env.pop("MEMD_PROJECT", None)
        import memd
        from memd.project import project_for

        mem = memd.open(env["MEMD_HOME"])
        project = project_for(repo)
        kinds = ["procedural", "preference", "decision", "semantic", "episodic"]
        mem.remember_many(
            [
                {
                    "text": f"Rule {i}: module {i} uses the {kinds[i % 5]} pattern number {i * 7}",
                    "project": project,
                    "kind": kinds[i % 5],
                }
                for i in range(args.memories)
            ]
        )
        mem.close()
        start = {"session_id": "bench", "cwd": str(repo)}
        prompt = {**start, "prompt": "which pattern does module 12 use?"}
        stop = {**start, "transcript_path": str(transcript)}
        results: dict[str, dict] = {}

        def series(name: str, event: str, payload: dict, check, before=None) -> None:
            samples, late = [], 0
            for _ in range(args.runs):
                if before is not None:
                    before()
                took, out = _hook(event, payload, env, repo)
                if "could not be read in time" in out:
                    late += 1  # the hook kept its deadline and said so
                else:
                    assert check(out), (name, out[:200])
                samples.append(took)
            results[name] = {**_stats(samples), "late_notices": late}

        def briefed(out: str) -> bool:
            return "Rule " in out

        # Cold, with the snapshot the CLI's last write left.
        _memd(["remember", "Always run ruff before committing", "-k", "procedural"], env, repo)
        series("session-start cold (snapshot)", "session-start", start, briefed)

        # Cold, the store changed by a writer that keeps no snapshot: the hook reads LanceDB.
        def touch() -> None:  # in its own process, as another writer would be
            code = (
                "import memd, sys; m = memd.open(); "
                "r = m.list(project=sys.argv[1], limit=1)[0]; m.pin(r.id, not r.pinned); m.close()"
            )
            subprocess.run([sys.executable, "-c", code, project], env=env, check=True)

        series("session-start cold (store read)", "session-start", start, briefed, before=touch)
        series(
            "user-prompt-submit cold (skipped: no daemon)", "user-prompt-submit", prompt, lambda o: o == ""
        )
        series("stop cold (spooled)", "stop", stop, lambda o: o == "")

        _memd(["daemon", "start"], env, repo)
        try:
            series("session-start warm", "session-start", start, briefed)
            series("user-prompt-submit warm", "user-prompt-submit", prompt, lambda o: "module 12" in o)
            series("stop warm", "stop", stop, lambda o: o == "")
        finally:
            _memd(["daemon", "stop"], env, repo)
        print(json.dumps({"runs": args.runs, "memories": args.memories, "hooks": results}, indent=2))


if __name__ == "__main__":
    main()
