"""The data directory: created private (0700), and never mistaken for someone else's."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from memd.errors import ForeignStoreError, StoreReadOnlyError, StoreUnreadableError

MARKER = ".memd"


def default_home() -> Path:
    """The platform's user data dir for memd (``MEMD_HOME`` overrides it in settings).

    Light on purpose: the CLI's fast path needs it without loading pydantic.
    """
    # Imported here so `memd --help` does not pay for platformdirs' probing.
    from platformdirs import user_data_dir

    return Path(user_data_dir("memd", appauthor=False))


def prepare_home(home: Path) -> None:
    """Create the data dir (0700) or check that an existing one is memd's."""
    if home.exists() and not home.is_dir():
        raise StoreUnreadableError(f"{home} is a file, not a directory")
    if home.is_dir():
        try:
            entries = {p.name for p in home.iterdir()}
        except OSError as exc:
            raise StoreUnreadableError(f"cannot read {home}: {exc}") from exc
        if entries and MARKER not in entries and (entries - {"config.toml"}):
            raise ForeignStoreError(
                f"{home} is not empty and holds no memd store (found {', '.join(sorted(entries)[:3])}...)"
            )
    if (home / MARKER).is_file():
        if not os.access(home, os.W_OK):
            raise StoreReadOnlyError(
                f"the data directory {home} is read-only (a read-only mount or no permission)"
            )
        return
    try:
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        (home / MARKER).touch(exist_ok=True)
    except OSError as exc:
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            raise StoreReadOnlyError(f"cannot create the data directory {home}: {exc.strerror}") from exc
        raise StoreUnreadableError(f"cannot create the data directory {home}: {exc}") from exc
