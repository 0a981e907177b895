"""Commands about memories that describe code: `memd stale`, and what `recall --file` /
`--symbol` print (see memd.anchors)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from cli import render
from cli.app import AllProjectsOpt, JsonOpt, ProjectOpt, app, here, run_api


def _cwd() -> str | None:
    try:
        return os.getcwd()
    except OSError:
        return None


def show_matches(
    *, file: str | None, symbol: str | None, project: str | None, as_json: bool, limit: int
) -> None:
    """`memd recall --file/--symbol`: memories anchored to that code, then to code calling it."""
    from memd.anchors.resolve import project_root

    cwd = _cwd()
    root = str(project_root(cwd)) if cwd else None
    if file and cwd and root:  # a path as typed here, made relative to the repository
        full = os.path.abspath(os.path.join(cwd, file))
        file = os.path.relpath(full, root) if full.startswith(root + os.sep) else file
    matches = run_api(lambda m: m.code("about", path=file, symbol=symbol, root=root, project=project))[:limit]
    if as_json:
        render.print_json(matches)
        return
    if not matches:
        what = " and ".join(x for x in (file, symbol) if x)
        render.out.print(f"Nothing remembered about {what}.", markup=False)
        return
    for n, match in enumerate(matches, start=1):
        r = match.memory
        mark = _mark(r)
        render.out.print(f"{n:>2}. {r.id[:8]}  {mark}{r.text[:160]}", markup=False, soft_wrap=True)
        render.out.print(f"    {match.why}", markup=False, style="dim")


def _mark(r) -> str:  # noqa: ANN001 - a MemoryRecord
    from memd.anchors.model import outdated

    changed = outdated(r.anchors)
    return f"[MAY BE OUTDATED: {changed}] " if changed else ""


@app.command()
def stale(
    project: ProjectOpt = None,
    all_projects: AllProjectsOpt = False,
    confirm: Annotated[
        str | None,
        typer.Option(
            "--confirm", help="ID of a memory that still holds: re-anchor it to the code as it is now."
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """List memories whose code moved on since they were remembered.

    Each anchored memory is checked against the code now: moved (a renamed file, a
    function now in another file) is followed and re-pointed; changed is marked (recall
    and the briefing say "may be outdated") and fades faster; deleted is archived
    (`memd restore ID` brings it back).

      memd stale                     this directory's project
      memd stale --confirm ID        it still holds: anchor it to the code as it is now
    """
    if confirm:
        matches = run_api(lambda m: m.code("confirm", id=confirm), wrote=lambda r: r[0].memory.project)
        if as_json:
            render.print_json(matches)
        else:
            render.out.print(f"Confirmed {matches[0].memory.id}: {matches[0].why}", markup=False)
        return
    where = None if all_projects else here(project)
    matches = run_api(lambda m: m.code("stale", project=where))
    if as_json:
        render.print_json(matches)
        return
    if not matches:
        render.out.print("No memory describes code that changed.", markup=False)
        return
    for match in matches:
        r = match.memory
        state = (
            "archived"
            if r.tier.value == "archived"
            else ("moved" if not any(a.stale for a in r.anchors) else "stale")
        )
        render.out.print(f"{r.id[:8]}  [{state}] {r.text[:120]}", markup=False, soft_wrap=True)
        render.out.print(f"    {match.why}", markup=False, style="dim")
    render.out.print("Still right? `memd stale --confirm ID`. Wrong now? `memd forget ID`.", markup=False)
