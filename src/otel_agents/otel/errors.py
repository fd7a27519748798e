"""The bridge's own failures: logged rarely and without values, or raised under our tests.

A telemetry bug must never break the run it observes, and its log line must never leak what
the run was doing (an exception message can quote a prompt): the type and the code location
only, at most once a minute per kind. With `OTEL_AGENTS_STRICT=1` (set by our test suite) the
error is raised instead, so bugs fail loudly there.
"""

from __future__ import annotations

import logging
import os
import time

logger = logging.getLogger("otel_agents.otel")

_LOG_INTERVAL_S = 60.0


class ErrorLog:
    """Rate-limited warnings for one processor."""

    def __init__(self) -> None:
        self._last_logged: dict[str, float] = {}

    def internal(self, where: str, error: Exception) -> None:
        """An internal error in callback `where`: raised in strict mode, else logged."""
        if os.environ.get("OTEL_AGENTS_STRICT", "").lower() in ("1", "true"):
            raise error
        tb = error.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        at = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb is not None else "?"
        self.limited(
            f"{where}:{type(error).__name__}:{at}",
            "otel-agents: internal error in the OpenTelemetry bridge (%s: %s at %s); the run "
            "continues, telemetry for this span may be incomplete",
            where,
            type(error).__name__,
            at,
        )

    def limited(self, key: str, message: str, *args: object) -> None:
        """Logs `message` unless the same `key` was logged within the last minute."""
        now = time.monotonic()
        last = self._last_logged.get(key)
        if last is not None and now - last < _LOG_INTERVAL_S:
            return
        self._last_logged[key] = now
        logger.warning(message, *args)
