"""The typer application and what every command shares: the apps, the options, the
settings, the project rule, and turning memd's errors into one line and exit code 1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli import render
from memd.errors import MemdError

if TYPE_CHECKING:
    from memd.api import MemoryAPI
    from memd.config import Settings

app = typer.Typer(
    name="memd",
    help="memd: a local-first long-term memory for coding agents.\n\n"
    "Remember decisions, conventions, commands and fixes; recall them later by "
    "meaning or keywords. Everything stays on this machine.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(help="Inspect and change memd's settings.", no_args_is_help=True)
app.add_typer(config_app, name="config")
mcp_app = typer.Typer(help="Serve memd to agents over MCP, and register it with them.", no_args_is_help=True)
app.add_typer(mcp_app, name="mcp")
daemon_app = typer.Typer(
    help="The background service that owns the store (fast, safe for many agents).",
    no_args_is_help=True,
)
app.add_typer(daemon_app, name="daemon")
watch_app = typer.Typer(
    help="Keep memory in step with project docs, git history and agent transcripts (needs the daemon).",
    no_args_is_help=True,
)
app.add_typer(watch_app, name="watch")
hooks_app = typer.Typer(
    help="Claude Code hooks: a briefing at session start, relevant memories with each prompt, "
    "a record at stop.",
    no_args_is_help=True,
)
app.add_typer(hooks_app, name="hooks")
model_app = typer.Typer(
    help="The local LLM's GGUF models: which are installed and what uses them, and fetching a "
    "bigger one when you ask (the bundled one is tiny).",
    no_args_is_help=True,
)
app.add_typer(model_app, name="model")

EXIT_ERROR = 1


class State:
    home: Path | None = None
    # Read once per command: the project rule, the store and the snapshot all need them.
    settings: Settings | None = None


state = State()

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
ProjectOpt = Annotated[
    str | None,
    typer.Option(
        "--project",
        "-p",
        help="Project name (default: $MEMD_PROJECT, else this directory's git repository or folder).",
    ),
]
AllProjectsOpt = Annotated[
    bool, typer.Option("--all-projects", "-A", help="Every project, not just this directory's.")
]
KindsOpt = Annotated[
    list[str] | None,
    typer.Option("--kind", "-k", help="Only this kind; repeat for several."),
]


@app.callback()
def _root(
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            envvar="MEMD_HOME",
            help="Data directory (default: the platform's user data dir).",
            show_envvar=True,
        ),
    ] = None,
) -> None:
    state.home = home
    state.settings = None


def current_settings() -> Settings:
    from memd.config import load_settings

    if state.settings is None:
        state.settings = load_settings(state.home)
    return state.settings


def here(project: str | None) -> str:
    """The project a command means: the same rule as the MCP server and the hooks."""
    import os

    from memd.project import resolve_project

    try:
        cwd: str | None = os.getcwd()
    except OSError:  # the working directory was deleted
        cwd = None
    return resolve_project(project, cwd=cwd, fallback=current_settings().default_project)


def open_api() -> MemoryAPI:
    import memd

    return memd.connect(current_settings())


@contextmanager
def handled_errors() -> Iterator[None]:
    """memd's errors become one line and a hint on stderr, and exit code 1."""
    try:
        yield
    except MemdError as exc:
        render.err.print(f"[bold red]Error:[/] {exc.message}")
        if exc.hint:
            render.err.print(f"[dim]{exc.hint}[/]")
        raise typer.Exit(EXIT_ERROR) from None


def run_api(fn: Callable[[MemoryAPI], Any], *, wrote: Callable[[Any], str] | None = None) -> Any:
    """``fn`` on a fresh MemoryAPI. ``wrote`` names the project a write changed (from the
    result): its session-start snapshot is refreshed once the write is complete."""
    with handled_errors():
        mem = open_api()
        try:
            result = fn(mem)
        finally:
            mem.close()
        if wrote is not None:
            from memd import briefcache

            briefcache.after_write(mem, current_settings().home, wrote(result))
        return result
