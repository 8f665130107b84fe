"""Space kept back for the metadata database of the embedded default, released when the disk fills.

SQLite and the blob folder share one disk. Without a reserve, blobs can take
the last byte and then every request fails, reads and deletes included,
because each one records its DPoP proof id. The reserve is a preallocated
file: blob writes first make sure it exists (and refuse with
``InsufficientStorage`` when it cannot be kept), and the database releases it
when a write finds the disk full, so the citizen can still read and delete.
Replay detection is untouched: every id is still recorded, in the space set
aside for it.
"""

from __future__ import annotations

import errno
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)
DEFAULT_SIZE = 8 * 1024 * 1024


class SpaceReserve:
    """A preallocated file of ``size`` bytes at ``path``, shared by every worker process."""

    def __init__(self, path: Path, size: int = DEFAULT_SIZE) -> None:
        self.path = path
        self.size = size

    def ensure(self) -> bool:
        """True if the reserve is in place (created now if missing), False if the disk cannot hold it."""
        try:
            if self.path.stat().st_blocks * 512 >= self.size:
                return True
        except FileNotFoundError:
            pass
        temp = self.path.with_name(self.path.name + f".{os.getpid()}")
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
            try:
                os.posix_fallocate(fd, 0, self.size)
            finally:
                os.close(fd)
            os.replace(temp, self.path)
        except OSError as exc:
            temp.unlink(missing_ok=True)
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                return False
            raise
        return True

    def release(self) -> bool:
        """Give the reserve's space back to the disk; True if there was one to give."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        log.warning("disk full: metadata space reserve released; blob uploads refused until space returns")
        return True
