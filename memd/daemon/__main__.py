"""`python -m memd.daemon run`: what `memd daemon start` launches in the background."""

import sys

from memd.config import load_settings
from memd.daemon.server import run
from memd.errors import MemdError

if __name__ == "__main__":
    if sys.argv[1:] != ["run"]:
        sys.exit("usage: python -m memd.daemon run")
    try:
        run(load_settings())
    except MemdError as exc:
        sys.exit(f"memd daemon: {exc.message}\n{exc.hint}")
