"""Long work started from a page (a run, an import) runs in a daemon thread of the server
process, so that the request answers at once and the event loop never waits; the page then
polls for progress (htmx). One piece of work per key at a time."""
from __future__ import annotations

import logging
import threading
from typing import Callable

log = logging.getLogger("shikaku.web")
POLL_STOP = 286  # a progress block answered with this status stops htmx polling (and is shown)
_lock = threading.Lock()
_running: set[str] = set()


def start(key: str, work: Callable[[], None]) -> bool:
    """Runs `work` in a thread unless work under `key` is already running in this process;
    says whether it started. An exception is logged (the work records its own outcome)."""
    with _lock:
        if key in _running:
            return False
        _running.add(key)

    def run() -> None:
        try:
            work()
        except Exception:
            log.exception("background work %s stopped", key)
        finally:
            with _lock:
                _running.discard(key)

    threading.Thread(target=run, name=f"shikaku-{key}", daemon=True).start()
    return True


def running(key: str) -> bool:
    with _lock:
        return key in _running
