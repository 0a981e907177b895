"""Checks that run native code (the ONNX embedder, llama.cpp), each in a child process with a
deadline, so that `memd doctor` (and ``install.sh`` after it) reports a crash or a hang with
its fix instead of dying of it.

* :func:`embed` runs ``python -m memd.probe`` with the settings on stdin: the child builds the
  configured embedder and embeds one sentence; the parent reads one JSON line back.
* :func:`generate` asks the configured LLM for a few tokens through
  :class:`memd.inference.process.WorkerLLM`, which already runs it in a worker with a
  deadline.
Each returns ``(ok, detail, fix)``; ``fix`` is None when ``ok``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

from memd.config import Settings
from memd.errors import LLMWorkerError, MemdError

REBUILD = (
    "./install.sh --force reinstalls the versions memd was tested with (constraints.txt); "
    "if you changed llama-cpp-python or onnxruntime yourself, go back to those"
)


def embed(settings: Settings, *, timeout_s: float = 180.0) -> tuple[bool, str, str | None]:
    """Embed one sentence with the configured model in a child process."""
    from memd.inference.process import describe_exit

    t0 = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "memd.probe"],
            input=settings.model_dump_json(),
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
    except subprocess.TimeoutExpired:
        return False, f"embedding one sentence did not finish within {timeout_s:.0f} s (hung)", REBUILD
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode != 0 or not lines:
        last = (done.stderr.strip().splitlines() or [""])[-1][-300:]
        what = describe_exit(done.returncode) if done.returncode else "answered nothing"
        return False, f"the embedding check {what}: {last}", REBUILD
    result: dict[str, Any] = json.loads(lines[-1])
    if not result.get("ok"):
        return False, str(result.get("message")), result.get("hint") or REBUILD
    return (
        True,
        f"{result['name']}: {result['dim']} dims on {result['device']}, one sentence embedded in a child "
        f"process (norm {result['norm']:.3f}, {time.monotonic() - t0:.1f} s with start-up)",
        None,
    )


def generate(
    settings: Settings, *, timeout_s: float = 120.0, max_tokens: int = 8
) -> tuple[bool, str, str | None]:
    """A few tokens from the model `memd ask` uses (``ask_model``), in its worker."""
    from memd.inference.llm import choose_model
    from memd.inference.process import local_llm

    try:
        path = choose_model(settings, settings.ask_model)
        llm = local_llm(
            settings, path, n_ctx=512, timeout_s=timeout_s, load_timeout_s=timeout_s, max_crashes=1
        )
    except MemdError as exc:
        return False, exc.message, exc.hint or None
    t0 = time.monotonic()
    try:
        info = llm.info()
        reply = llm.complete("Reply with one short word.", "Say hello.", max_tokens=max_tokens)
        tokens = llm.last_usage.get("completion_tokens", 0)
        where = "GPU" if llm.placed == "gpu" else "CPU"
    except LLMWorkerError as exc:
        return False, f"{llm.name}: {exc.message}", REBUILD
    except MemdError as exc:
        return (
            False,
            f"{llm.name} does not load: {exc.message}",
            "the file is damaged or not a GGUF model: download it again (memd model pull), "
            "or point ask_model / llm_model_path at another one",
        )
    finally:
        llm.close()
    return (
        True,
        f"{llm.name} on llama-cpp-python {info.get('llama_cpp_python')} (GPU offload built: "
        f"{info.get('gpu_offload')}): {tokens} tokens generated on the {where} "
        f"in a worker process in {time.monotonic() - t0:.1f} s: {reply[:40]!r}",
        None,
    )


def _child() -> int:
    """``python -m memd.probe``: embed one sentence under the settings read from stdin."""
    try:
        from memd.embedding import build_embedder

        settings = Settings.model_validate_json(sys.stdin.read())
        embedder = build_embedder(settings)
        vector = embedder.embed_query("memd doctor checks the embedding model")
        out = {
            "ok": True,
            "name": embedder.name,
            "dim": embedder.dim,
            "device": embedder.device,
            "norm": float((vector**2).sum()) ** 0.5,
        }
    except MemdError as exc:
        out = {"ok": False, "message": exc.message, "hint": exc.hint}
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(_child())
