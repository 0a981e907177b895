"""Architecture rules that keep the core reusable."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EDGES = ("cli", "mcp_server")


def test_core_never_imports_the_edges():
    offenders = []
    for path in (ROOT / "memd").rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in EDGES]
    assert offenders == []


def test_importing_the_core_loads_no_edge_module():
    code = (
        "import sys, pkgutil, importlib, memd\n"
        "for m in pkgutil.walk_packages(memd.__path__, 'memd.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('cli', 'mcp_server')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT / "tests")


def test_import_memd_is_light():
    """`import memd` must not pull in LanceDB or ONNX Runtime (fast CLI start)."""
    code = "import sys, memd; heavy = {'lancedb', 'onnxruntime'} & set(sys.modules); assert not heavy, heavy"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_service_implements_the_api():
    """Same methods, same parameters: the daemon client will be held to this too."""
    import inspect

    from memd.api import MemoryAPI
    from memd.service import MemoryService

    methods = [n for n, v in vars(MemoryAPI).items() if callable(v) and not n.startswith("_")]
    assert {"remember", "remember_many", "recall", "get", "forget", "list", "stats"} <= set(methods)
    for name in methods:
        want = list(inspect.signature(getattr(MemoryAPI, name)).parameters)
        have = list(inspect.signature(getattr(MemoryService, name)).parameters)
        assert have == want, name


INNER = ("memd/records.py", "memd/store", "memd/retrieval", "memd/anchors", "memd/distill", "memd/lifecycle")
OUTER = ("memd.service", "memd.daemon", "memd.ui", "memd.hooks", "memd.team")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append(node.module)
    return out


def test_the_inner_layers_are_libraries_the_service_uses():
    """records, store, retrieval, anchors, distill and lifecycle never import the service
    or anything above it (not even for type checking); the service never imports the daemon."""
    offenders = []
    for inner in INNER:
        target = ROOT / inner
        for path in [target] if target.is_file() else sorted(target.rglob("*.py")):
            offenders += [f"{path.relative_to(ROOT)}: {m}" for m in _imports(path) if m.startswith(OUTER)]
    for path in sorted((ROOT / "memd" / "service").rglob("*.py")):
        offenders += [f"{path.relative_to(ROOT)}: {m}" for m in _imports(path) if m.startswith("memd.daemon")]
    assert offenders == []
