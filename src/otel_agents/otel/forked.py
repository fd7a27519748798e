"""What a forked child must not inherit from the meter providers otel-agents installed: the OTel
SDK's metric state.

The SDK restarts its export threads in a child but keeps every aggregation the parent recorded
(histogram buckets, sums, the last values observed by observable counters), so a child exports
the parent's points again as its own: each model call a gunicorn `--preload` master or a pool's
parent made before forking would be counted once more by every child. After a fork the child's
provider starts with empty storage (new aggregations with their own start times) and the same
instruments; the parent keeps its points and reports them itself. Our running totals are zeroed
in `totals.py`; export threads, queues and the JSONL writer are restarted elsewhere.

Providers the app built itself are the app's: the SDK's behaviour stands for them.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from typing import Any

logger = logging.getLogger("otel_agents.otel")

_providers: weakref.WeakSet[Any] = weakref.WeakSet()
_registered = [False]
_lock = threading.Lock()


def reset_metrics_in_children(meter_provider: Any) -> None:
    """After a fork, the child's `meter_provider` forgets the points recorded before it."""
    with _lock:
        _providers.add(meter_provider)
        if not _registered[0] and hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=_after_fork_in_child)
            _registered[0] = True


def _after_fork_in_child() -> None:
    for provider in list(_providers):
        try:
            _forget_points(provider)
        except Exception:  # never break a fork
            logger.warning(
                "otel-agents: this child may report its parent's metric points again "
                "(the OpenTelemetry SDK's metric storage has changed shape)",
                exc_info=True,
            )


def _forget_points(provider: Any) -> None:
    # The SDK has no public way to do this. Its storage: one MetricReaderStorage per reader in the
    # measurement consumer, which maps each instrument to its aggregations; an emptied map makes
    # new aggregations on the next measurement. The locks may have been held by a parent thread
    # (a collection in progress) at the fork.
    consumer = provider._measurement_consumer
    storages = consumer._reader_storages
    consumer._lock = threading.Lock()
    for storage in storages.values():
        if not isinstance(storage._instrument_view_instrument_matches, dict):
            raise TypeError(type(storage._instrument_view_instrument_matches))
        storage._lock = threading.RLock()
        storage._instrument_view_instrument_matches = {}
