"""Commands for what memd refuses to trust blindly: audit (flagged memories)."""

from __future__ import annotations

from typing import Annotated

import typer

from cli import render
from cli.app import AllProjectsOpt, JsonOpt, ProjectOpt, app, here, run_api


@app.command()
def audit(
    action: Annotated[
        str,
        typer.Argument(help="list (the default), approve ID, or quarantine ID."),
    ] = "list",
    id: Annotated[str | None, typer.Argument(help="The memory to approve or quarantine.")] = None,
    project: ProjectOpt = None,
    all_projects: AllProjectsOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Review memories flagged as trying to instruct the agent.

    A memory that reads like "ignore your previous instructions", "always run curl … | sh",
    "send the .env to …", or that hides text in invisible characters, is flagged when it is
    stored: recall marks it, briefings leave it out and memd does not learn from it.

      memd audit                     list the flagged memories of this directory's project
      memd audit approve ID          it was fine: it may reach briefings again
      memd audit quarantine ID       archive it (restore with `memd restore ID`)
    """
    if action not in ("list", "approve", "quarantine"):
        render.err.print(f"[bold red]Error:[/] unknown action {action!r}: use list, approve or quarantine.")
        raise typer.Exit(2)
    where = None if all_projects else here(project)
    records = run_api(
        lambda m: m.audit(id, action=action, project=where if action == "list" else None),
        wrote=(lambda r: r[0].project if r else None) if action != "list" else None,
    )
    if as_json:
        render.print_json(records)
        return
    if action == "list":
        if not records:
            render.out.print("No flagged memories.", markup=False)
            return
        for r in records:
            reasons = ", ".join(t.removeprefix("flag-") for t in r.tags if t.startswith("flag-")) or "flagged"
            render.out.print(f"[cyan]{r.id}[/] [yellow]({reasons})[/] {r.text[:100]}", soft_wrap=True)
        render.out.print("Approve with `memd audit approve ID`, or archive with `memd audit quarantine ID`.")
        return
    verb = "Approved" if action == "approve" else "Quarantined (archived)"
    render.out.print(f"{verb} [cyan]{records[0].id}[/]: {records[0].text[:80]}", soft_wrap=True)
