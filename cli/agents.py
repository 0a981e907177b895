"""Commands that connect agents: the MCP server and its installers, Claude Code hooks."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli import render
from cli.app import (
    handled_errors,
    hooks_app,
    mcp_app,
    state,
)

if TYPE_CHECKING:
    pass


@mcp_app.command("serve")
def mcp_serve(
    http: Annotated[
        bool, typer.Option("--http", help="Streamable HTTP on localhost instead of stdio.")
    ] = False,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port for --http.")] = 8765,
    project: Annotated[
        str | None,
        typer.Option("--project", "-p", help="Default project (default: from the working directory)."),
    ] = None,
) -> None:
    """Run the MCP server (agents start this; you rarely run it by hand)."""
    from mcp_server.server import serve

    with handled_errors():
        serve(
            transport="http" if http else "stdio",
            port=port,
            project=project,
            home=str(state.home) if state.home else None,
        )


ClientArg = Annotated[
    str, typer.Option("--client", "-c", help="claude-code, cursor, codex or claude-desktop.")
]


def _print_change(change: Any) -> None:
    render.out.print(change.summary, markup=False)
    if change.backup is not None:
        render.out.print(f"  backup: {change.backup}", markup=False)


@mcp_app.command("install")
def mcp_install(client: ClientArg) -> None:
    """Add memd to an agent's MCP configuration (backs the file up; safe to repeat)."""
    from memd.integrations import install_client

    env = {"MEMD_HOME": str(state.home)} if state.home else None
    with handled_errors():
        _print_change(install_client(client, env=env))
    render.out.print("Restart the client to load memd.")


@mcp_app.command("uninstall")
def mcp_uninstall(client: ClientArg) -> None:
    """Remove memd from an agent's MCP configuration."""
    from memd.integrations import uninstall_client

    with handled_errors():
        _print_change(uninstall_client(client))


@hooks_app.command("install")
def hooks_install() -> None:
    """Add memd's hooks to ~/.claude/settings.json (backs it up; safe to repeat)."""
    from memd.integrations import install_hooks

    with handled_errors():
        _print_change(install_hooks())


@hooks_app.command("uninstall")
def hooks_uninstall() -> None:
    """Remove memd's hooks from ~/.claude/settings.json."""
    from memd.integrations import uninstall_hooks

    with handled_errors():
        _print_change(uninstall_hooks())


@hooks_app.command("run", hidden=True)
def hooks_run(
    event: Annotated[str, typer.Argument(help="session-start, user-prompt-submit, pre-compact or stop.")],
    timeout: Annotated[float, typer.Option(help="Hard deadline in seconds.")] = 1.8,
) -> None:
    """Run one hook with Claude Code's payload on stdin. Always exits 0: a hook must never block."""
    from memd.hooks import run_safely

    stdin = sys.stdin.read() if sys.stdin is not None and not sys.stdin.isatty() else ""
    output = run_safely(event, stdin, home=state.home, timeout=timeout)
    if output:
        sys.stdout.write(output + "\n")
    raise typer.Exit(0)
