"""Keep an int8-weight ONNX model's embedding tables int8 in memory.

Models quantised "weight-only" (int8 initializer -> Cast -> Mul by a scale) look small
on disk, but ONNX Runtime's constant folding turns every dequantised weight into
float32 at load: the bundled 23 MB MiniLM held 111 MB. Its largest weight is the
token-embedding table (30k x 384), read a few rows per text. Rewriting
``Gather(dequant(W), ids)`` into ``dequant(Gather(W, ids))`` dequantises only the rows
looked up: the same numbers bit for bit, 35 MB less, no slower.

Not done: the matrix weights. ``MatMulNBits`` with int8 compute would save 46 MB more
and a quarter of each query's time, but it quantises activations per batch, so a text's
vector would depend on what it was batched with (cosine 0.995 with itself); computing
in float32 instead made a query 8x slower.

The rewrite runs once per model file, in a child process (the ``onnx`` package costs
the daemon nothing that way), and is cached in the user cache dir; anything unexpected
falls back to the file as it is. Only for the CPU provider: CUDA runs the original.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# Bump when the rewrite changes, so cached files are rebuilt.
VERSION = 1


def slimmed(model: Path, cache_dir: Path, *, timeout: float = 120.0) -> Path:
    """The cached int8 rewrite of ``model``, made now if missing; ``model`` itself when
    it has nothing to rewrite or the rewrite fails."""
    try:
        digest = _key(model)
    except OSError as exc:
        log.warning("cannot read %s to slim it: %s", model, exc)
        return model
    out = cache_dir / f"{model.stem}-{digest}-slim{VERSION}.onnx"
    none = out.with_suffix(".none")  # remembers "nothing to rewrite" without retrying
    if out.is_file():
        return out
    if none.is_file():
        return model
    try:
        cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        done = subprocess.run(
            [sys.executable, "-m", "memd.embedding.slim", str(model), str(out)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("could not slim %s (%s); using it as it is", model.name, exc)
        return model
    if done.returncode == 0 and out.is_file():
        return out
    if done.returncode == 3:
        none.touch()
    else:
        log.warning("could not slim %s; using it as it is: %s", model.name, done.stderr.strip()[-500:])
    return model


def _key(path: Path) -> str:
    """Which file, which version of it: hashing the content would cost every start
    0.5 s for a 500 MB model; a replaced or edited file changes size or mtime."""
    st = path.resolve().stat()
    return hashlib.sha256(f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()[:16]


def rewrite(src: Path, dst: Path) -> int:
    """Rewrite ``src`` into ``dst``; the number of nodes rewritten (0: nothing written)."""
    import onnx
    from onnx import TensorProto, helper

    model = onnx.load(str(src))
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    producer = {o: n for n in graph.node for o in n.output}
    uses: dict[str, int] = {}
    for n in graph.node:
        for i in n.input:
            uses[i] = uses.get(i, 0) + 1
    outputs = {o.name for o in graph.output}

    def dequant(name: str) -> tuple[Any, Any, str, str] | None:
        """(mul, cast, int8 weight, scale) when ``name`` is Mul(Cast(int8 W), scale)."""
        mul = producer.get(name)
        if mul is None or mul.op_type != "Mul" or uses.get(name) != 1 or name in outputs:
            return None
        cast = scale = None
        for i in mul.input:
            p = producer.get(i)
            if p is not None and p.op_type == "Cast" and p.input[0] in inits and uses.get(i) == 1:
                if inits[p.input[0]].data_type == TensorProto.INT8:
                    cast = p
            elif i in inits and inits[i].data_type == TensorProto.FLOAT:
                scale = i
        if cast is None or scale is None:
            return None
        return mul, cast, cast.input[0], scale

    replaced: list[tuple[Any, list[Any], list[Any]]] = []  # (node, replacement, removed)
    for node in graph.node:
        if node.op_type == "Gather" and all(a.name != "axis" or a.i == 0 for a in node.attribute):
            parts = dequant(node.input[0])
            if parts is None:
                continue
            mul, cast, w, s = parts
            rows, scale = inits[w].dims[0], tuple(inits[s].dims)
            out = node.output[0]
            if math.prod(scale) == 1:
                scale_name = s
                extra = []
            elif scale == (rows, 1):
                scale_name = out + "_scale"
                extra = [helper.make_node("Gather", [s, node.input[1]], [scale_name], axis=0)]
            else:
                continue
            repl = [
                helper.make_node("Gather", [w, node.input[1]], [out + "_q"], axis=0),
                *extra,
                helper.make_node("Cast", [out + "_q"], [out + "_f"], to=TensorProto.FLOAT),
                helper.make_node("Mul", [out + "_f", scale_name], [out]),
            ]
            replaced.append((node, repl, [mul, cast]))
    if not replaced:
        return 0
    for node, repl, removed in replaced:
        at = list(graph.node).index(node)
        graph.node.remove(node)
        for offset, r in enumerate(repl):
            graph.node.insert(at + offset, r)
        for r in removed:
            graph.node.remove(r)
    used = {i for n in graph.node for i in n.input}
    kept = [t for t in graph.initializer if t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    onnx.checker.check_model(model)
    tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
    onnx.save(model, str(tmp))
    os.replace(tmp, dst)  # atomic: two processes slimming at once both end well
    return len(replaced)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m memd.embedding.slim SRC.onnx DST.onnx", file=sys.stderr)
        return 2
    count = rewrite(Path(argv[0]), Path(argv[1]))
    return 0 if count else 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
