"""`memd model list` and `memd model pull`: the GGUF models of the local LLM."""

from __future__ import annotations

from typing import Annotated

import typer

from cli import render
from cli.app import JsonOpt, current_settings, handled_errors, model_app


@model_app.command("list")
def list_models(
    as_json: JsonOpt = False,
    no_checksums: Annotated[
        bool, typer.Option("--no-checksums", help="Skip hashing the files (fast for big models).")
    ] = False,
) -> None:
    """List the GGUF models memd can use here, and what uses each.

    The bundled SmolLM2-135M, Gemma 3 270M when its package is installed, models fetched
    with `memd model pull`, and a file the settings name; with size, SHA-256 and the
    features that load it (ask, consolidation, distillation, expansion)."""
    from memd.inference.models import as_dicts, installed

    with handled_errors():
        found = installed(current_settings(), checksums=not no_checksums)
    if as_json:
        render.print_json(as_dicts(found))
        return
    for m in found:
        used = ", ".join(m.used_by) if m.used_by else "nothing yet"
        sha = f"sha256 {m.sha256[:16]}…" if m.sha256 else "no checksum"
        render.out.print(f"[bold]{m.name}[/]  {m.size_bytes / 1e6:,.0f} MB  {sha}  used by: {used}")
        render.out.print(f"   {m.source}: {m.path}", markup=False, style="dim")


@model_app.command()
def pull(
    repo: Annotated[str, typer.Argument(help="Hub repository, e.g. bartowski/Qwen2.5-1.5B-Instruct-GGUF.")],
    file: Annotated[
        str, typer.Argument(help="One .gguf file in it, e.g. Qwen2.5-1.5B-Instruct-Q4_K_M.gguf.")
    ],
    revision: Annotated[str | None, typer.Option(help="A branch, tag or commit (default: main).")] = None,
    use: Annotated[
        bool, typer.Option("--use", help="Then make it the model of ask and consolidation (ask_model).")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Download a GGUF model from the Hugging Face hub into memd's data directory.

    This is the only command through which memd downloads anything, and only when you run
    it. The file's SHA-256 is checked against the hub's and recorded; `memd model list`
    shows it. Choose it by its file name: `memd config set ask_model FILE` (or --use) for
    ask and consolidation, distill_llm_model for LLM distillation. HF_ENDPOINT, HF_TOKEN
    and proxy variables are honoured. See the README for models that fit 8, 16 and 24 GB.
    """
    from memd.config import set_value
    from memd.inference.models import pull as fetch

    settings = current_settings()
    with handled_errors():
        model = fetch(settings.home, repo, file, revision=revision)
        if use:
            set_value(settings.home, "ask_model", model.name)
    if as_json:
        render.print_json(
            {
                "name": model.name,
                "path": model.path,
                "size_bytes": model.size_bytes,
                "sha256": model.sha256,
                "ask_model": use,
            }
        )
        return
    render.out.print(f"{model.name}: {model.size_bytes / 1e6:,.0f} MB, sha256 {model.sha256}", markup=False)
    render.out.print(f"saved at {model.path}", markup=False)
    if use:
        render.out.print(f"ask_model = {model.name}: `memd ask` and consolidation use it now.", markup=False)
    else:
        render.out.print(f"Use it with: memd config set ask_model {model.name}", markup=False)
