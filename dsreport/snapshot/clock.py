"""When a file's stat can vouch for its content: git's rule for "racily clean" files.

File systems store modification times with a granularity (a clock tick of a few milliseconds on
Linux, 2 seconds on FAT). A file written twice within one tick keeps the same ``mtime``, so a hash
taken between the two writes would later look current. Git's answer, used here: compare each
file's ``mtime`` with a *stamp* taken from the same clock before the file is read. A file whose
``mtime`` is earlier than the stamp cannot change again without getting a later ``mtime``, so its
hash may be cached and trusted while its stat is unchanged. A file whose ``mtime`` is at or after
the stamp is *racy*: it is hashed again once the clock has moved past it, and never cached.

The stamp comes from the file system's own clock when it can: the ``mtime`` of a marker file the
catalog keeps (``<catalog>/.dsreport/clock``), written just before, when the catalog and the data
folder are on the same device. Otherwise (another device, another clock) it is the wall clock
minus :data:`FOREIGN_WINDOW_NS`, which covers coarse timestamps (FAT's 2 seconds) and small skew.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

FOREIGN_WINDOW_NS = 2_000_000_000
"""How far back the stamp is set when the data folder has another clock than the catalog."""
SETTLE_S = 0.5
"""How long :meth:`RacyClock.wait_past` waits for the clock to pass a recent ``mtime``, at most
(plus the foreign window on another device)."""


def is_racy(mtime_ns: int, stamp_ns: int) -> bool:
    """True when a file with this ``mtime`` may change without its ``mtime`` changing."""
    return mtime_ns >= stamp_ns


class RacyClock:
    """Stamps for :func:`is_racy`, from the data folder's file-system clock when possible."""

    def __init__(self, marker: Path, data_dev: int) -> None:
        self.marker = marker
        """The file written to read the file-system clock."""
        self.data_dev = data_dev
        """The data folder's device: the marker's clock is used only on the same device."""
        self.same_device = True
        """Whether the last stamp came from the marker (else from the wall clock)."""

    def stamp(self) -> int:
        """A stamp: files whose ``mtime`` is earlier are not racy from now on."""
        self.marker.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.marker, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
        try:
            os.write(fd, b"dsreport: written to read the file-system clock\n")
            st = os.fstat(fd)
        finally:
            os.close(fd)
        self.same_device = st.st_dev == self.data_dev
        if self.same_device:
            return st.st_mtime_ns
        return time.time_ns() - FOREIGN_WINDOW_NS

    def wait_past(self, mtime_ns: int) -> int:
        """Wait until a stamp is later than *mtime_ns*; return the last stamp.

        A file whose ``mtime`` lies in the future keeps being racy: the wait gives up after
        :data:`SETTLE_S` (plus the foreign window when the clock is the wall clock).
        """
        limit = SETTLE_S + (0 if self.same_device else FOREIGN_WINDOW_NS / 1e9)
        deadline = time.monotonic() + limit
        stamp = self.stamp()
        while stamp <= mtime_ns and time.monotonic() < deadline:
            time.sleep(0.002)
            stamp = self.stamp()
        return stamp
