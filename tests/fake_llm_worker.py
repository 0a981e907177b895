"""A stand-in for memd's LLM worker (``memd.inference.worker``) that misbehaves on request.

It speaks the real protocol through ``memd.inference.worker.main`` with a scripted model in
place of llama.cpp, so the tests of crash handling never load native code. What the prompt
holds decides what happens:
  ``SEGV``  the worker kills itself with SIGSEGV mid-answer (as llama.cpp 0.3.36 did)
  ``HANG``  it never answers
  ``EXIT``  it exits with status 3 mid-answer
  ``OOM``   it raises MemoryError
(``FAKE_LLM_ALWAYS=SEGV`` in its environment: on every request). Otherwise it answers from
the first numbered memory it was given (``[1] (date) text``), citing it — an answer memd
ask's checks accept — or with the first words of the prompt.
Run as ``python tests/fake_llm_worker.py --model FILE`` (memd's ``llm_worker`` setting).
"""

from __future__ import annotations

import os
import re
import signal
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from memd.inference import worker  # noqa: E402

_MEMORY = re.compile(r"^\[1\] \([^)]*\) (.+)$", re.MULTILINE)


class Scripted:
    name = "scripted.gguf"

    def __init__(self, n_ctx: int) -> None:
        self.n_ctx = n_ctx
        self.placed = "cpu"
        self.last_usage: dict[str, int] = {}

    def _misbehave(self, text: str) -> None:
        text += os.environ.get("FAKE_LLM_ALWAYS", "")  # misbehave on every request
        if "SEGV" in text:
            os.kill(os.getpid(), signal.SIGSEGV)
        if "HANG" in text:
            time.sleep(3600)
        if "EXIT" in text:
            os._exit(3)
        if "OOM" in text:
            raise MemoryError

    def complete(self, system: str, user: str, *, max_tokens: int, stop: Any = None) -> str:
        self._misbehave(user)
        self.last_usage = {"prompt_tokens": len(user) // 4, "completion_tokens": 8}
        found = _MEMORY.search(user)
        return f"{found.group(1)} [1]" if found else " ".join(user.split()[:8])

    def complete_json(self, system: str, user: str, schema: Any, *, max_tokens: int) -> str:
        self._misbehave(user)
        return '{"statements": []}'

    def count_tokens(self, text: str) -> int:
        self._misbehave(text)
        return len(text) // 4 + 1


if __name__ == "__main__":
    sys.exit(worker.main(make_llm=lambda args: Scripted(args.n_ctx)))
