"""`memd`: the typer application. Composition root of the command-line entry point.

The commands live by group in cli/memories.py, cli/learning.py, cli/admin.py,
cli/agents.py and cli/daemon.py; importing them registers them on the app, in the order `memd --help`
lists them. What they share is in cli/app.py.
"""

from __future__ import annotations

import importlib

from cli.app import app

for _group in (
    "memories",
    "learning",
    "admin",
    "agents",
    "daemon",
    "trust",
    "portability",
    "code",
    "ui",
    "llm",
    "models",
):
    importlib.import_module(f"cli.{_group}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
