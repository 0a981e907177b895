"""Commands that move a store's contents: export, import."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cli import render
from cli.app import EXIT_ERROR, AllProjectsOpt, JsonOpt, ProjectOpt, app, here, run_api


@app.command()
def export(
    project: ProjectOpt = None,
    all_projects: AllProjectsOpt = False,
    with_vectors: Annotated[
        bool,
        typer.Option("--with-vectors", help="Include the vectors (larger file; no re-embedding on import)."),
    ] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of standard output.")
    ] = None,
) -> None:
    """Write this project's memories (or every project's, -A) as JSON lines.

    Every field, archived and superseded versions (history) and links are included, so
    `memd import` on another machine or a fresh home gives the same store back:

      memd export -A > backup.jsonl
      memd import backup.jsonl
    """
    projects = () if all_projects else (here(project),)
    lines = run_api(lambda m: m.export(projects=projects, with_vectors=with_vectors))
    if output is None:
        for line in lines:
            sys.stdout.write(line + "\n")
        return
    tmp = output.with_name(output.name + ".part")
    tmp.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    tmp.replace(output)  # a file that is there is complete
    render.err.print(f"Exported {max(0, len(lines) - 1)} lines to {output}.")


@app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="A file written by `memd export` ('-' for standard input).")],
    as_json: JsonOpt = False,
) -> None:
    """Add the memories and links of a `memd export` file.

    The whole file is checked first: a broken line is reported by its number and nothing
    is stored. Memories already in the store (same id) are skipped, so importing twice
    adds nothing. Without vectors in the file (or from another model) texts are embedded.
    """
    if str(path) == "-":
        lines = sys.stdin.read().splitlines()
    elif not path.is_file():
        render.err.print(f"[bold red]Error:[/] {path} is not a file. Create one with `memd export > {path}`.")
        raise typer.Exit(EXIT_ERROR)
    else:
        lines = path.read_text(encoding="utf-8").splitlines()
    result = run_api(lambda m: m.import_lines(lines))
    if as_json:
        render.print_json(result)
    else:
        render.out.print(
            f"Imported {result.memories} memories and {result.links} links "
            f"({result.skipped} already here, {result.embedded} embedded again)."
        )
