"""The one-writer lock: an fcntl lock on a file, shared by threads and processes."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from memd.errors import BusyError


class FileLock:
    """An fcntl lock shared by threads of this process and other processes."""

    def __init__(
        self, path: Path, timeout: float = 30.0, on_acquire: Callable[[], None] | None = None
    ) -> None:
        """``on_acquire`` runs each time this process takes the lock (not when a thread of it
        re-enters it): the place to catch up with what other processes committed."""
        self._path = path
        self._timeout = timeout
        self._on_acquire = on_acquire
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    @contextmanager
    def hold(self) -> Iterator[None]:
        with self._thread_lock:
            first = self._depth == 0
            if first:
                fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
                deadline = time.monotonic() + self._timeout
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() > deadline:
                            os.close(fd)
                            raise BusyError(
                                f"the store's write lock ({self._path}) stayed busy for {self._timeout:.0f} s"
                            ) from None
                        time.sleep(0.005)
                self._fd = fd
            self._depth += 1
            try:
                if first and self._on_acquire is not None:
                    self._on_acquire()
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and self._fd is not None:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)
                    os.close(self._fd)
                    self._fd = None
