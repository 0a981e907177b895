"""Code-anchored memories: a memory may name the code it describes (repository, path, lines,
symbol, the span's hash, the commit) and notices when that code moves, changes or goes.

- :mod:`memd.anchors.model` — the :class:`Anchor` stored with a memory;
- :mod:`memd.anchors.symbols` — definitions found with tree-sitter, cached per file;
- :mod:`memd.anchors.resolve` — anchors from ``--anchor`` specs and from the text;
- :mod:`memd.anchors.check` — one anchor against the tree: current, moved, changed, deleted;
the service applies the checks to the store (:mod:`memd.service.codewatch`: re-point, mark,
archive; recall by file or symbol). This package is a library: it never imports the service.

Imports stay light here: ``memd.records`` needs the model on every start.
"""

from memd.anchors.model import Anchor, dump_anchors, load_anchors

__all__ = ["Anchor", "dump_anchors", "load_anchors"]
