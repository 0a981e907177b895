"""Commands about memd itself: reindex, demo, config, version."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from cli import render
from cli.app import (
    JsonOpt,
    app,
    config_app,
    current_settings,
    handled_errors,
    run_api,
    state,
)

if TYPE_CHECKING:
    pass


@app.command()
def reindex() -> None:
    """Re-embed every memory with the configured model (after changing models)."""
    from rich.progress import Progress

    import memd

    with handled_errors():
        mem = memd.open_with(current_settings(), check_model=False)
        with Progress(console=render.err, transient=True) as bar:
            task = bar.add_task("re-embedding", total=None)
            n = mem.reindex(progress=lambda done, total: bar.update(task, completed=done, total=total))
        mem.close()
    render.out.print(f"Re-embedded {n} memories.")


@app.command()
def demo(as_json: JsonOpt = False) -> None:
    """Store a few example memories in the 'memd-demo' project and recall from them, then
    learn from a short conversation ('memd-demo-chat') and show the rules it left."""
    from memd.demo import DEMO_PROJECT, LEARN_PROJECT, run_demo

    result = run_api(run_demo)
    if as_json:
        render.print_json(
            {
                "project": DEMO_PROJECT,
                "stored": result.stored,
                "answers": [{"question": q, "hits": h} for q, h in result.answers],
                "learned": result.learned,
            }
        )
        return
    render.out.print(
        f"Stored {result.stored} example memories in project [bold]{DEMO_PROJECT}[/] "
        "(your other projects are untouched).\n"
    )
    for question, hits in result.answers:
        render.out.print(render.hits_table(hits, explain=True, title=f"recall: {question}"))
    render.out.print(
        f"\nLearned from a conversation a week long (project [bold]{LEARN_PROJECT}[/]); "
        "the newer word on a subject replaced the older one:"
    )
    for line in result.learned:
        render.out.print(f"  {line}", markup=False, soft_wrap=True)
    render.out.print(f'\nTry: memd recall "where do secrets come from?" -p {DEMO_PROJECT} --explain')
    render.out.print(f"     memd context -p {LEARN_PROJECT}   (the briefing an agent gets)")


@config_app.command("show")
def config_show(as_json: JsonOpt = False) -> None:
    """Print every setting in force and where the data lives."""
    with handled_errors():
        settings = current_settings()
    data = settings.model_dump(mode="json") | {
        "store_location": settings.store_location,
        "config_file": str(settings.config_path),
    }
    if as_json:
        render.print_json(data)
        return
    for key, value in data.items():
        render.out.print(f"[bold]{key}[/] = {value}")
    render.out.print("\n[dim]Override with MEMD_<NAME> (e.g. MEMD_HOME) or in the config file above.[/]")


@config_app.command("set")
def config_set(
    key: Annotated[
        str, typer.Argument(help="A setting's name, as `memd config show` lists it (team_uri, device...).")
    ],
    value: Annotated[str, typer.Argument(help="Its new value; checked before anything is written.")],
) -> None:
    """Write one setting into this home's config.toml (MEMD_<NAME> variables still win).

    memd config set team_uri s3://acme-memory/api
    memd config set device cpu
    """
    from memd.config import set_value

    with handled_errors():
        settings = set_value(state.home, key, value)
    name = key.replace(".", "_").replace("-", "_").lower()
    render.out.print(f"{name} = {getattr(settings, name)}  (in {settings.config_path})", markup=False)


@app.command()
def doctor(
    as_json: JsonOpt = False,
    models: Annotated[
        bool,
        typer.Option(
            "--models", help="Only run the models (embed a sentence, generate a few tokens); install.sh does."
        ),
    ] = False,
) -> None:
    """Check this installation: versions, ONNX Runtime providers and the device in use,
    model files (sizes, checksums), the store (schema, counts, indexes, journal), the
    daemon, MCP client configs and the team store. The embedding model embeds a sentence and
    the local LLM generates a few tokens, each in a child process with a time limit, so a
    build that crashes or hangs is reported with its fix. Each problem comes with the command
    that fixes it; exit code 1 when there is one. Writes nothing."""
    from memd import doctor as checks

    with handled_errors():
        found = checks.run(current_settings(), only=checks.MODELS if models else None)
    if as_json:
        render.print_json(checks.as_json(found))
    else:
        marks = {
            "ok": "[green]ok[/]",
            "info": "[cyan]--[/]",
            "warn": "[yellow]!![/]",
            "problem": "[red]XX[/]",
        }
        for c in found:
            render.out.print(f"{marks[c.status]} [bold]{c.area}[/] {c.name}: ", end="")
            render.out.print(c.detail, markup=False, soft_wrap=True)
            if c.fix:
                render.out.print(f"     fix: {c.fix}", markup=False, style="dim")
    if any(c.status == "problem" for c in found):
        raise typer.Exit(1)


@app.command()
def version(as_json: JsonOpt = False) -> None:
    """Print memd's version."""
    import memd

    if as_json:
        render.print_json({"memd": memd.__version__, "python": sys.version.split()[0]})
    else:
        render.out.print(f"memd {memd.__version__}")
