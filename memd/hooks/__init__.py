"""Claude Code hooks: a briefing at session start, relevant memories with each prompt, and
a short record at compaction and stop. Light on purpose: the CLI runs a hook without
loading typer, and loads LanceDB only when no daemon answers (see :mod:`memd.hooks.run`).
"""

from memd.hooks.record import session_record
from memd.hooks.run import EVENTS, Backends, default_backends, run_hook, run_safely

__all__ = ["EVENTS", "Backends", "default_backends", "run_hook", "run_safely", "session_record"]
