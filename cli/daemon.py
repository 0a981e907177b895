"""Commands for the daemon and the paths it watches."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli import render
from cli.app import (
    EXIT_ERROR,
    JsonOpt,
    current_settings,
    daemon_app,
    handled_errors,
    watch_app,
)

if TYPE_CHECKING:
    pass


@watch_app.command("add")
def watch_add(
    path: Annotated[Path, typer.Argument(help="A repository, a docs folder, or ~/.claude/projects.")],
    project: Annotated[
        str | None, typer.Option("--project", "-p", help="Project (default: from git root + remote).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Watch PATH: Markdown sections, new git commits and Claude Code requests become memories."""
    from memd.daemon import control

    with handled_errors():
        client = control.require(current_settings())
        import os

        from memd.project import PROJECT_ENV

        named = project or os.environ.get(PROJECT_ENV, "").strip() or None
        entry = client.call("watch_add", path=str(path), project=named)
    if as_json:
        render.print_json(entry)
    else:
        render.out.print(
            f"Watching {entry['path']} as project {entry['project']} ({entry['kind']}).", markup=False
        )


@watch_app.command("list")
def watch_list(as_json: JsonOpt = False) -> None:
    """List watched paths."""
    from memd.daemon import control

    with handled_errors():
        entries = control.require(current_settings()).call("watch_list")
    if as_json:
        render.print_json(entries)
    elif not entries:
        render.out.print("Nothing is watched. Add a path with: memd watch add PATH")
    else:
        for e in entries:
            render.out.print(f"{e['path']}  project={e['project']}  ({e['kind']})", markup=False)


@watch_app.command("remove")
def watch_remove(path: Annotated[Path, typer.Argument(help="A watched path.")]) -> None:
    """Stop watching PATH (its memories stay)."""
    from memd.daemon import control

    with handled_errors():
        control.require(current_settings()).call("watch_remove", path=str(path))
    render.out.print(f"No longer watching {path}.", markup=False)


def _print_status(status: dict[str, Any], as_json: bool) -> None:
    if as_json:
        render.print_json(status)
        return
    for key, value in status.items():
        render.out.print(f"[bold]{key}[/] {value}")


@daemon_app.command("start")
def daemon_start(as_json: JsonOpt = False) -> None:
    """Start the daemon in the background (it keeps the model warm)."""
    from memd.daemon import control

    with handled_errors():
        _print_status(control.start(current_settings()), as_json)


@daemon_app.command("stop")
def daemon_stop(as_json: JsonOpt = False) -> None:
    """Stop the daemon; queued writes are finished first."""
    from memd.daemon import control

    with handled_errors():
        _print_status(control.stop(current_settings()), as_json)


@daemon_app.command("restart")
def daemon_restart(as_json: JsonOpt = False) -> None:
    """Stop the daemon if it runs, then start it."""
    from memd.daemon import control

    with handled_errors():
        control.stop(current_settings())
        _print_status(control.start(current_settings()), as_json)


@daemon_app.command("status")
def daemon_status(as_json: JsonOpt = False) -> None:
    """Uptime, memory count, queue depth, watched paths, last error, RSS, model, device."""
    from memd.daemon import control

    with handled_errors():
        status = control.status(current_settings())
    _print_status(status, as_json)
    if not status.get("running"):
        raise typer.Exit(EXIT_ERROR)


@daemon_app.command("logs")
def daemon_logs(
    lines: Annotated[int, typer.Option("--lines", "-n", min=1, help="How many lines.")] = 50,
) -> None:
    """Print the end of the daemon's log."""
    from memd.daemon import control

    render.out.print(control.tail(current_settings().home, lines), markup=False, highlight=False)


@daemon_app.command("run")
def daemon_run() -> None:
    """Run the daemon in the foreground (for systemd, launchd or a terminal)."""
    from memd.daemon.server import run

    with handled_errors():
        run(current_settings())


@daemon_app.command("install")
def daemon_install() -> None:
    """Write a systemd user unit (Linux) or launchd agent (macOS) that runs the daemon."""
    from memd.daemon import control
    from memd.integrations import memd_command

    with handled_errors():
        path = control.install_service(current_settings(), memd_exe=memd_command())
    render.out.print(f"Wrote {path}", markup=False)
    if sys.platform == "darwin":
        render.out.print(f"Load it with: launchctl load {path}", markup=False)
    else:
        render.out.print(
            "Enable it with: systemctl --user daemon-reload && systemctl --user enable --now memd",
            markup=False,
        )
