"""`memd ui`: the local web dashboard."""

from __future__ import annotations

import sys
import webbrowser
from typing import Annotated

import typer

from cli import render
from cli.app import JsonOpt, app, current_settings, handled_errors


@app.command()
def ui(
    port: Annotated[
        int | None, typer.Option("--port", min=1, max=65535, help="Serve on this port (default: a free one).")
    ] = None,
    no_open: Annotated[
        bool, typer.Option("--no-open", help="Print the address; do not open a browser.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Open the dashboard in your browser: search with explanations, a timeline, the links
    around a memory, retention curves, learned conventions, flagged memories and status —
    and pin, edit, archive, restore, link or review memories there.

    It is served on 127.0.0.1 only, and the address carries a token: other users of this
    machine cannot read your memory through the port. When the daemon runs it serves the
    page (and keeps serving it after this command ends); otherwise this command serves it
    until you press Ctrl-C.
    """
    from memd.ui.launch import launch

    with handled_errors():
        launched = launch(current_settings(), port=port)
    if as_json:
        render.print_json(
            {"url": launched.url, "served_by": "daemon" if launched.by_daemon else "this command"}
        )
    else:
        who = "the daemon" if launched.by_daemon else "this command (Ctrl-C stops it)"
        render.out.print(
            f"The dashboard is at {launched.url}  — served by {who}", markup=False, soft_wrap=True
        )
    sys.stdout.flush()  # the address must be readable while this command serves the page
    if not no_open:
        webbrowser.open(launched.url)
    if launched.board is not None:
        with handled_errors():
            launched.board.server.run()
