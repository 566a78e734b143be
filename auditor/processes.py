"""Is the process that holds a run or a lock still alive on this host? Used by the crawler (a resumed crawl
must not run beside a live one), by the locks and by crash recovery, so it sits below harvest and ops."""

from __future__ import annotations

import os
import socket


def pid_alive(pid: int | None) -> bool:
    """True while the process exists and is not a zombie (a killed child not yet reaped)."""
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie (killed child not yet reaped) is dead for our purposes
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True


def live_holder(info: dict | None) -> int | None:
    """The pid of a process on this host still working on a run (its starter or a crawler child), if any."""
    info = info or {}
    if info.get("host") != socket.gethostname():
        return None
    for pid in [info.get("pid"), *(info.get("child_pids") or [])]:
        if isinstance(pid, int) and pid_alive(pid) and not _exiting(pid):
            return pid
    return None


def _exiting(pid: int) -> bool:
    """A killed process still tearing down (its memory, hence its command line, already gone)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return not fh.read(1)
    except FileNotFoundError:
        return True
    except OSError:
        return False
