"""What a failed write to the disk means, said plainly.

LanceDB reports a full disk as ``RuntimeError: lance error: LanceError(IO): … No space left
on device (os error 28), /root/.cargo/…`` — true, but not what a person can act on. A
write that fails this way has not committed (LanceDB commits by writing a new manifest
last), so nothing stored is damaged; the error says so and names the directory.
"""

from __future__ import annotations

import errno

from memd.errors import DiskFullError, MemdError, StoreReadOnlyError

_FULL = ("no space left on device", "os error 28", "disk quota exceeded", "os error 122")
_READ_ONLY = ("read-only file system", "os error 30")
_DENIED = ("permission denied", "os error 13")


def translate(exc: BaseException, location: str) -> MemdError | None:
    """The memd error a failed write stands for, or None to let it pass as it is."""
    if isinstance(exc, MemdError):
        return None
    code = exc.errno if isinstance(exc, OSError) else None
    text = str(exc).lower()
    if code in (errno.ENOSPC, errno.EDQUOT) or any(s in text for s in _FULL):
        return DiskFullError(
            f"the disk holding {location} is full: the write was not stored "
            "(what was stored before is intact)"
        )
    if code == errno.EROFS or any(s in text for s in _READ_ONLY):
        return StoreReadOnlyError(f"{location} is on a read-only file system: the write was not stored")
    if code in (errno.EACCES, errno.EPERM) or any(s in text for s in _DENIED):
        return StoreReadOnlyError(f"no permission to write in {location}: the write was not stored")
    return None
