"""The ends of a process other than a normal exit, for the providers `setup.py` installs:
SIGTERM, and forked children.

SIGTERM (how containers and Kubernetes stop a process) skips `atexit`. When otel-agents installs
providers it also installs a SIGTERM handler (main thread only) that delivers what is queued
within the same shutdown deadline, then does what would have happened without it:

- no handler before (`SIG_DFL`): shut the providers down, restore the default and re-send the
  signal, so the process still dies by SIGTERM (exit status 143 / -15, as before);
- the app's own handler: flush (not shut down: the app may go on running), then call it;
- `SIG_IGN`, or a handler installed from C: left alone.

Servers that own the signals install theirs after ours, so ours never runs there: they call
`otel_agents.flush_traces()` themselves (README: ASGI lifespan shutdown, gunicorn `worker_exit`,
Celery `worker_process_shutdown`).

fork: the SDK restarts its own export threads in a child. Here, a child also gets a
`multiprocessing` finalizer, so a pool worker (which ends with `os._exit`, skipping `atexit`)
delivers what it queued when it exits normally; running totals are zeroed in `totals.py`.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any

from .exporters import call_within

logger = logging.getLogger("otel_agents.otel")

# Re-entrant: a SIGTERM handler runs on the main thread, possibly while that thread is inside
# `deliver` holding this lock (a pool worker's exit flush when `Pool.terminate()` signals it).
_lock = threading.RLock()
_providers: list[Any] = []
_timeout = [5.0]
_fork_hook_registered = [False]
_running: list[threading.Event | None] = [None]
_delivering: list[int | None] = [None]  # the thread running that delivery
_deadline = [0.0]
_after_delivery: list[Callable[[], None]] = []  # signal actions postponed until it ends


def install(providers: Sequence[Any], timeout: float) -> None:
    """Delivers what `providers` hold at exit, on SIGTERM and at a forked worker's exit (see
    above): each time one delivery for all of them, within one deadline."""
    with _lock:
        first = not _providers
        _providers.extend(p for p in providers if p not in _providers)
        _timeout[0] = timeout
        if not _fork_hook_registered[0] and hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=_after_fork_in_child)
            _fork_hook_registered[0] = True
    if first:
        from .. import tracing

        tracing.get_trace_provider()  # built now, so its atexit hook is registered before ours
        # After the tracing provider's own atexit hook, so this runs first (LIFO) and that one
        # finds its work done instead of waiting on a dead collector a second time.
        atexit.register(deliver, final=True)
    _install_sigterm_handler()


def installed() -> bool:
    """Whether otel-agents installed providers in this process (the ones `deliver` ends)."""
    with _lock:
        return bool(_providers)


def timeout() -> float:
    """The shutdown deadline in seconds (`OTEL_AGENTS_SHUTDOWN_TIMEOUT` once set up)."""
    with _lock:
        return _timeout[0]


def deliver(*, final: bool, what: str = "export at exit") -> bool:
    """Flushes our tracing processors, then flushes (or, `final`, shuts down) the providers, all
    within the one shutdown deadline. Returns whether everything finished in time.

    A delivery asked for while one is running (SIGTERM arriving during a worker's exit flush, as
    `Pool.terminate()` does) waits for that one instead of cutting it short; when the signal
    interrupted the very thread that runs it, its action is postponed until it ends (waiting
    there would wait for ourselves).
    """
    from .. import tracing

    with _lock:
        providers = list(_providers)
        timeout = _timeout[0]
        running = _running[0]
        if running is None:
            done = threading.Event()
            # This order, and the reverse below, keep `_interrupted_own_delivery` exact when the
            # signal lands between the two assignments.
            _delivering[0] = threading.get_ident()
            _running[0] = done
            _deadline[0] = time.monotonic() + timeout
    if running is not None:
        return running.wait(max(0.0, _deadline[0] - time.monotonic()))
    method = "shutdown" if final else "force_flush"
    # At the end, our processors end what is still in flight (marked incomplete) before the
    # providers export it; otherwise they only flush.
    first = (
        (tracing.get_trace_provider(), "shutdown", ()) if final else (tracing, "flush_traces", ())
    )
    calls: list[tuple[Any, str, tuple[Any, ...]]] = [first]
    calls += [(p, method, ()) for p in providers if hasattr(p, method)]
    calls.append((done, "set", ()))  # set by the helper thread when all of it has finished
    try:
        return call_within(calls, timeout, what)
    finally:
        with _lock:
            _running[0] = None
            _delivering[0] = None
            postponed = list(_after_delivery)
            _after_delivery.clear()
        for action in postponed:
            action()


def _interrupted_own_delivery(action: Callable[[], None]) -> bool:
    """Whether a delivery is running on this very thread (so a signal handler interrupted it);
    if so, `action` runs when that delivery ends."""
    with _lock:
        if _running[0] is None or _delivering[0] != threading.get_ident():
            return False
        _after_delivery.append(action)
        return True


def _install_sigterm_handler() -> None:
    if threading.current_thread() is not threading.main_thread():
        return  # signal.signal works only there; the atexit flush still applies
    try:
        previous = signal.getsignal(signal.SIGTERM)
    except (ValueError, OSError):  # pragma: no cover - platforms without SIGTERM
        return
    if previous is signal.SIG_IGN or previous is None or getattr(previous, "_otel_agents", False):
        return

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        if _interrupted_own_delivery(lambda: on_sigterm(signum, frame)):
            return
        if callable(previous):
            deliver(final=False, what="export on SIGTERM")
            previous(signum, frame)
            return
        deliver(final=True, what="export on SIGTERM")
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)  # die by the signal, as without us

    on_sigterm._otel_agents = True  # type: ignore[attr-defined]
    try:
        signal.signal(signal.SIGTERM, on_sigterm)
    except (ValueError, OSError):  # pragma: no cover - e.g. an embedded interpreter
        return


class _Anchor:
    """A weak-referenceable owner for multiprocessing's after-fork registry."""


_anchor = _Anchor()


def _after_fork_in_child() -> None:
    global _lock
    # Another thread of the parent may have held it at the fork; only this thread exists now.
    _lock = threading.RLock()
    _running[0] = _delivering[0] = None
    _after_delivery.clear()
    mp_util = sys.modules.get("multiprocessing.util")
    if mp_util is None:
        return
    try:
        # A multiprocessing child clears its finalizers after the fork, then runs the after-fork
        # registry: registering there puts our flush in its exit path (`_exit_function`), which
        # runs before `os._exit`. A plain `os.fork()` child never runs the registry.
        mp_util.register_after_fork(_anchor, _register_worker_finalizer)
    except Exception:  # never break a fork
        logger.debug("otel-agents: could not register the worker-exit flush", exc_info=True)


def _register_worker_finalizer(_: object) -> None:
    import multiprocessing.util

    multiprocessing.util.Finalize(None, _deliver_in_worker, exitpriority=1)


def _deliver_in_worker() -> None:
    deliver(final=True, what="export at worker exit")
