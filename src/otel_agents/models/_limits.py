"""The limits that end a call to a stalled, trickling or runaway model server with a clear error.

The openai client's own timeout is per read, so a server that sends a byte now and then, or
events without end, would hold a run forever; and nothing bounds what one response may ask for.
Each limit comes from `ModelSettings` (per agent or per run), else its environment variable,
else the default:

- seconds one model call may take: `timeout`, OTEL_AGENTS_MODEL_TIMEOUT, 600;
- seconds a stream may stay silent (before its first event or between two): `idle_timeout`,
  OTEL_AGENTS_MODEL_IDLE_TIMEOUT, 60;
- tool calls one response may hold: `max_tool_calls`, OTEL_AGENTS_MAX_TOOL_CALLS, 256.

Time the run spends waiting for a slow stream consumer is not counted against the server.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass

from ..exceptions import ModelBehaviorError, ModelTimeoutError, UserError
from ..model_settings import ModelSettings

__all__ = [
    "IDLE_TIMEOUT_ENV",
    "MAX_TOOL_CALLS_ENV",
    "TIMEOUT_ENV",
    "CallLimits",
    "too_many_tool_calls",
]

logger = logging.getLogger("otel_agents")

TIMEOUT_ENV = "OTEL_AGENTS_MODEL_TIMEOUT"
"""Seconds one model call may take, streamed or not (default 600)."""
IDLE_TIMEOUT_ENV = "OTEL_AGENTS_MODEL_IDLE_TIMEOUT"
"""Seconds a model stream may stay silent, before its first event or between two (default 60)."""
MAX_TOOL_CALLS_ENV = "OTEL_AGENTS_MAX_TOOL_CALLS"
"""Tool calls one model response may hold (default 256)."""

DEFAULT_TIMEOUT = 600.0
DEFAULT_IDLE_TIMEOUT = 60.0
DEFAULT_MAX_TOOL_CALLS = 256

_warned: set[str] = set()


def _env_number(name: str, default: float, *, integer: bool) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        value = -1
    if value > 0 and math.isfinite(value):
        return value
    if name not in _warned:
        _warned.add(name)
        kind = "a whole number" if integer else "a number of seconds"
        logger.warning(
            "Environment variable %s=%r is not %s above 0. Using %s.", name, raw, kind, default
        )
    return default


@dataclass(frozen=True)
class CallLimits:
    """The limits of one model call, resolved.

    Attributes:
        timeout: Seconds the call may take.
        idle_timeout: Seconds a stream may stay silent.
        max_tool_calls: Tool calls one response may hold.
    """

    timeout: float = DEFAULT_TIMEOUT
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT
    max_tool_calls: int = DEFAULT_MAX_TOOL_CALLS

    @classmethod
    def of(cls, settings: ModelSettings) -> CallLimits:
        """The settings' limits, else the environment's, else the defaults.

        Raises:
            UserError: A limit in the settings is not above 0.
        """
        for name in ("timeout", "idle_timeout", "max_tool_calls"):
            value = getattr(settings, name)
            if value is not None and not value > 0:
                raise UserError(
                    f"ModelSettings({name}={value!r}) must be above 0; leave it None for the "
                    "environment's value or the default"
                )
        return cls(
            timeout=settings.timeout or _env_number(TIMEOUT_ENV, DEFAULT_TIMEOUT, integer=False),
            idle_timeout=settings.idle_timeout
            or _env_number(IDLE_TIMEOUT_ENV, DEFAULT_IDLE_TIMEOUT, integer=False),
            max_tool_calls=settings.max_tool_calls
            or int(_env_number(MAX_TOOL_CALLS_ENV, DEFAULT_MAX_TOOL_CALLS, integer=True)),
        )

    def timed_out(
        self,
        api: str,
        model: str,
        *,
        idle: bool,
        events: int,
        server: tuple[str | None, int | None] = (None, None),
    ) -> ModelTimeoutError:
        """The error for a call that hit its deadline (`idle` False) or its idle timeout."""
        address, port = server
        if idle:
            when = "before its first event" if events == 0 else f"after event {events}"
            return ModelTimeoutError(
                f"The {api} stream of model {model!r} sent nothing for {self.idle_timeout:g} s "
                f"{when} (the idle timeout: ModelSettings(idle_timeout=...) or "
                f"{IDLE_TIMEOUT_ENV}); the server stalled or sends too slowly: check it, or "
                "raise the limit",
                limit="idle_timeout",
                seconds=self.idle_timeout,
                events=events,
                server_address=address,
                server_port=port,
            )
        return ModelTimeoutError(
            f"The {api} call to model {model!r} did not finish within {self.timeout:g} s "
            f"(the model call deadline: ModelSettings(timeout=...) or {TIMEOUT_ENV}); the server "
            "is too slow or never ends its reply: check it, or raise the limit",
            limit="timeout",
            seconds=self.timeout,
            events=events,
            server_address=address,
            server_port=port,
        )


def too_many_tool_calls(api: str, model: str, limit: int) -> ModelBehaviorError:
    """The error for a response holding more than `limit` tool calls."""
    return ModelBehaviorError(
        f"The {api} response of model {model!r} holds more than {limit} tool calls (the cap: "
        f"ModelSettings(max_tool_calls=...) or {MAX_TOOL_CALLS_ENV}); the model is looping or "
        "the server misbehaves: raise the cap only if the agent really needs that many"
    )
