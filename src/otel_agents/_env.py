"""Boolean environment variables of the runner, parsed one way (the tracing, model and OTel
packages keep their own variables beside the code that reads them)."""

from __future__ import annotations

import logging
import os

logger = logging.getLogger("otel_agents")

TRACE_INCLUDE_SENSITIVE_DATA = "OTEL_AGENTS_TRACE_INCLUDE_SENSITIVE_DATA"
"""false: span data never carries prompts, completions, tool arguments or results (default true)."""
SDK_TRACE_INCLUDE_SENSITIVE_DATA = "OPENAI_AGENTS_TRACE_INCLUDE_SENSITIVE_DATA"
"""The OpenAI Agents SDK's name for the same switch, read when ours is not set."""

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})
_warned: set[str] = set()


def is_set(name: str) -> bool:
    """Whether the variable is set to something other than blanks."""
    return bool(os.environ.get(name, "").strip())


def include_sensitive_data() -> bool:
    """OTEL_AGENTS_TRACE_INCLUDE_SENSITIVE_DATA, else the SDK's variable, else true."""
    if is_set(TRACE_INCLUDE_SENSITIVE_DATA):
        return env_bool(TRACE_INCLUDE_SENSITIVE_DATA, True)
    return env_bool(SDK_TRACE_INCLUDE_SENSITIVE_DATA, True)


def env_bool(name: str, default: bool) -> bool:
    """Reads a boolean variable; an invalid value logs one warning naming it and keeps `default`."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return default if value == "" else False
    if name not in _warned:
        _warned.add(name)
        logger.warning(
            "Environment variable %s=%r is not a boolean; use true or false. Using %s.",
            name,
            raw,
            str(default).lower(),
        )
    return default
