"""Processes the refresh starts die with it: a refresh killed with kill -9 must not leave dbt
writing the warehouse, or a validating or coding worker holding hundreds of megabytes, for
hours (an independent probe found a validation worker alive 13 minutes after its refresh was
killed). Linux's parent-death signal does it; nothing else is imported here, so it costs a
process no start-up time."""

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int | None = None) -> None:
    """This process is killed the moment its parent dies (exits if it already has).
    `parent`: the pid it was started by, when this runs after start-up (a worker pool's
    initializer) and the parent may be gone already."""
    parent = parent or os.getppid()
    prctl = getattr(ctypes.CDLL(None, use_errno=True), "prctl", None)
    if prctl is None:  # not Linux (a developer's Mac): said once, then unguarded
        print(f"{os.path.basename(sys.argv[0])}: no parent-death signal on this system; this "
              "process may outlive a killed refresh", file=sys.stderr)
    elif prctl(PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
        sys.exit(f"cannot tie this process to the refresh (prctl errno {ctypes.get_errno()}); "
                 "refusing to start it unguarded")
    if os.getppid() != parent:  # the parent died before the signal was armed
        sys.exit(1)
