"""The LLM worker: the one process that loads llama.cpp (``python -m memd.inference.worker``).

llama.cpp is native code: a bad build or a bad model file can segfault, abort or hang, and
in the daemon's own process that would take every client's writer down with it. So the
model lives here, in a child of the daemon (or of the command that asked), and the parent
(:mod:`memd.inference.process`) speaks to it one request at a time over its stdin/stdout.

Protocol, one JSON object a line:
  request  ``{"id": 1, "op": "complete", "system": "...", "user": "...", "max_tokens": 64,
             "stop": null}`` — ops: ``complete``, ``complete_json`` (with ``schema``),
             ``count_tokens`` (``text``), ``load``, ``info``
  reply    ``{"id": 1, "ok": true, "result": ..., "usage": {...}, "placed": "cpu"}`` or
           ``{"id": 1, "ok": false, "type": "ModelError", "message": "...", "hint": "..."}``
The worker exits when its stdin closes (the parent is gone or unloaded the model).

Only the protocol is written to the real stdout: llama.cpp prints from C to file
descriptor 1, so that descriptor is pointed at stderr before the library is imported.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import IO, Any


def _protocol_stream() -> IO[str]:
    """The real stdout for replies; fd 1 (and ``sys.stdout``) then go to stderr."""
    out = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return out


def _info(llm: Any) -> dict[str, Any]:
    import importlib.metadata

    import llama_cpp

    return {
        "llama_cpp_python": importlib.metadata.version("llama-cpp-python"),
        "gpu_offload": bool(llama_cpp.llama_supports_gpu_offload()),
        "placed": llm.placed,
        "pid": os.getpid(),
    }


def handle(llm: Any, req: dict[str, Any]) -> Any:
    op = req.get("op")
    if op == "complete":
        return llm.complete(
            req["system"], req["user"], max_tokens=int(req["max_tokens"]), stop=req.get("stop")
        )
    if op == "complete_json":
        return llm.complete_json(req["system"], req["user"], req["schema"], max_tokens=int(req["max_tokens"]))
    if op == "count_tokens":
        return llm.count_tokens(req["text"])
    if op == "load":
        llm.count_tokens("")  # loads the model
        return llm.placed
    if op == "info":
        return _info(llm)
    raise ValueError(f"unknown op {op!r}")


def serve(llm: Any, requests: IO[str], replies: IO[str]) -> None:
    from memd.errors import MemdError

    for line in requests:
        if not line.strip():
            continue
        req: dict[str, Any] = {}
        try:
            req = json.loads(line)
            llm.last_usage = {}
            reply: dict[str, Any] = {"ok": True, "result": handle(llm, req)}
        except MemoryError:
            reply = {
                "ok": False,
                "type": "LLMWorkerError",
                "message": "the local LLM ran out of memory",
                "hint": "Use a smaller model (memd model list) or close other programs; run `memd doctor`.",
            }
        except MemdError as exc:
            reply = {"ok": False, "type": type(exc).__name__, "message": exc.message, "hint": exc.hint}
        except Exception as exc:  # noqa: BLE001 - reported to the parent, the worker lives on
            reply = {"ok": False, "type": "ModelError", "message": f"{type(exc).__name__}: {exc}", "hint": ""}
        reply["id"] = req.get("id")
        reply["usage"] = dict(getattr(llm, "last_usage", {}) or {})
        reply["placed"] = getattr(llm, "placed", "not loaded")
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


def main(argv: list[str] | None = None, *, make_llm: Any = None) -> int:
    """Serve requests until stdin closes. ``make_llm(args)`` builds the model (tests pass a
    scripted one; the default is llama.cpp)."""
    parser = argparse.ArgumentParser(prog="python -m memd.inference.worker", description=__doc__)
    parser.add_argument("--model", required=True, type=Path, help="the GGUF file")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    parser.add_argument("--n-ctx", type=int, default=1024)
    args = parser.parse_args(argv)
    replies = _protocol_stream()
    from memd.errors import MemdError
    from memd.inference.llm import LlamaCppLLM

    try:
        if make_llm is not None:
            llm = make_llm(args)
        else:
            llm = LlamaCppLLM(args.model, device=args.device, n_ctx=args.n_ctx)
    except MemdError as exc:  # a missing file: every request hears why
        failure = {"ok": False, "type": type(exc).__name__, "message": exc.message, "hint": exc.hint}
        for line in sys.stdin:
            try:
                rid = json.loads(line).get("id")
            except ValueError:
                rid = None
            replies.write(json.dumps(failure | {"id": rid, "usage": {}, "placed": "not loaded"}) + "\n")
        return 1
    serve(llm, sys.stdin, replies)
    return 0


if __name__ == "__main__":
    sys.exit(main())
