"""Every attribute value the bridge sets passes here: redacted, made encodable, bounded.

A lone surrogate in one string makes the protobuf encoder drop a whole export batch, and the
SDK's own attribute limit is "unlimited" by default, so the bridge cleans and bounds values
itself. The common case (ASCII strings within the limit, no redactor) costs one pass of O(1)
checks and returns the dict it was given.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping

from opentelemetry.sdk.trace import SpanLimits
from opentelemetry.util.types import AttributeValue

from .capture import DEFAULT_MAX_CONTENT_LENGTH, clean_str

logger = logging.getLogger("otel_agents.otel")

Redactor = Callable[[str, AttributeValue], AttributeValue | None]
"""`redact(key, value)` returns the value to export, or None to drop the attribute."""

_LOG_INTERVAL_S = 60.0
_MAX_NAME = 256


class Cleaner:
    """Applies the user's redactor, then cleans and bounds strings (and lists of strings).

    Args:
        redact: Called as `redact(key, value)` on every value; None keeps values as they are.
        limit: Longest string kept (characters).
    """

    def __init__(self, redact: Redactor | None, limit: int) -> None:
        self.redact = redact
        self.limit = limit
        self._last_logged = 0.0

    def __call__(self, attrs: dict[str, AttributeValue]) -> dict[str, AttributeValue]:
        """The attributes to set. Without a redactor, a dict that needs nothing is returned as
        it is (the mapping built it for this call only)."""
        if self.redact is None:
            limit = self.limit
            for key, value in attrs.items():
                if not key.isascii():  # user keys (metadata, custom data) may hold anything
                    break
                if isinstance(value, str):
                    if len(value) > limit or not value.isascii():
                        break
                elif isinstance(value, (list, tuple)) and value and isinstance(value[0], str):
                    try:  # tool and handoff names, finish reasons: two C-level passes
                        if not all(map(str.isascii, value)) or max(map(len, value)) > limit:
                            break
                    except TypeError:  # not all strings: the full pass makes them strings
                        break
            else:
                return attrs
        return self._cleaned(attrs)

    def _cleaned(self, attrs: Mapping[str, AttributeValue]) -> dict[str, AttributeValue]:
        out: dict[str, AttributeValue] = {}
        redact, limit = self.redact, self.limit
        for key, value in attrs.items():
            kept: AttributeValue | None = value
            if redact is not None:
                try:
                    kept = redact(key, value)
                except Exception as error:  # a broken redactor drops the value: fail closed
                    now = time.monotonic()
                    if now - self._last_logged >= _LOG_INTERVAL_S:
                        self._last_logged = now
                        logger.warning("otel-agents: redact hook raised %s", type(error))
                    continue
                if kept is None:
                    continue
            if isinstance(kept, str):
                kept = clean_str(kept if len(kept) <= limit else kept[:limit])
            elif isinstance(kept, (list, tuple)) and kept and isinstance(kept[0], str):
                kept = [clean_str(str(v)[:limit]) for v in kept]
            out[clean_str(key)] = kept
        return out


def span_name(name: str) -> str:
    """A span name: cleaned, and short enough for any backend."""
    return clean_str(name[:_MAX_NAME])


def attribute_limit(provider: object | None) -> int:
    """The tracer provider's attribute length limit, else the environment's, else ours."""
    limits = getattr(provider, "_span_limits", None)
    if limits is None:
        try:
            limits = SpanLimits()  # reads OTEL_(SPAN_)ATTRIBUTE_VALUE_LENGTH_LIMIT
        except Exception:
            limits = None
    value = getattr(limits, "max_span_attribute_length", None)
    return value if isinstance(value, int) and value > 0 else DEFAULT_MAX_CONTENT_LENGTH
