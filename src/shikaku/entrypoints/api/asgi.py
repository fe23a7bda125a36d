"""ASGI factory for `uvicorn --factory` (several worker processes read the URL from the env)."""
import ctypes
import multiprocessing
import os
import signal
import sys

from ..bootstrap import build_context, database_url
from .app import create_server

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def app():
    _stop_with_the_master()
    return create_server(build_context(database_url()))


def _stop_with_the_master() -> None:
    """A worker is sent SIGTERM — a graceful stop that writes its access log — when the master
    process dies, even by SIGKILL; orphaned workers would otherwise serve on unsupervised and
    hold the port against the restart (D-85). Linux only."""
    master = multiprocessing.parent_process()
    if master is None or not sys.platform.startswith("linux"):
        return
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != master.pid:  # it died before the request took effect
        os.kill(os.getpid(), signal.SIGTERM)
