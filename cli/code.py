"""Commands about memories that describe code: `memd stale`, and what `recall --file` /
`--symbol` print (see memd.anchors)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

from cli import render
from cli.app import AllProjectsOpt, JsonOpt, ProjectOpt, app, here, run_api

if TYPE_CHECKING:
    from memd.records import MemoryRecord


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
    show_all: Annotated[
        bool,
        typer.Option("--all", help="Also list the memories whose code only moved (followed, still right)."),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """List memories that may be wrong now: the code they describe changed or was deleted.

    Each anchored memory is checked against the code now: changed is marked (recall and
    the briefing say "may be outdated") and fades faster; deleted is archived (`memd
    restore ID` brings it back); moved (a renamed file, a function now in another file) is
    followed and re-pointed, still right, so it is only counted (`--all` lists it too).

      memd stale                     this directory's project
      memd stale --all               the memories whose code only moved as well
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

    def state(r: MemoryRecord) -> str:
        if r.tier.value == "archived":
            return "archived"
        return "stale" if any(a.stale for a in r.anchors) else "moved"

    moved = [x for x in matches if state(x.memory) == "moved"]
    shown = matches if show_all else [x for x in matches if state(x.memory) != "moved"]
    if as_json:
        render.print_json(shown)
        return
    for match in shown:
        r = match.memory
        render.out.print(f"{r.id[:8]}  [{state(r)}] {r.text[:120]}", markup=False, soft_wrap=True)
        render.out.print(f"    {match.why}", markup=False, style="dim")
    if not shown:
        render.out.print("No memory describes code that changed or was deleted.", markup=False)
    if moved and not show_all:
        render.out.print(
            f"{len(moved)} more followed their code to its new place (still right): `memd stale --all`.",
            markup=False,
        )
    if any(state(x.memory) != "moved" for x in shown):
        render.out.print("Still right? `memd stale --confirm ID`. Wrong now? `memd forget ID`.", markup=False)
