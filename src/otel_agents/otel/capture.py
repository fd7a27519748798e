"""Whether prompts, completions and tool arguments may leave the process, and how big they may be.

Content capture is off unless the user opts in with
`OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` (the variable other GenAI instrumentations
read too) or `OTelTracingProcessor(capture_content=...)`:

| value (case-insensitive)    | content goes to                                       |
| --------------------------- | ----------------------------------------------------- |
| unset, `NO_CONTENT`, false  | nowhere                                               |
| `SPAN_ONLY`, true           | span attributes                                       |
| `EVENT_ONLY`                | log records (model calls: `EVENT_INFERENCE_DETAILS`)  |
| `SPAN_AND_EVENT`            | both                                                  |

Events are log records (`events.py`), with content in structured form; on spans content is JSON
text, since span attributes cannot hold maps.

Anything else logs ONE warning naming the variable, the value and the valid values, and captures
nothing: a typo must never leak prompts.

This module also bounds what we export: every string is made encodable (a lone surrogate would
make the protobuf encoder drop the whole batch) and JSON content is shrunk to a length limit while
staying valid JSON where possible.
"""

from __future__ import annotations

import enum
import json
import logging
import os
import re
from collections.abc import Mapping
from typing import Any

from . import semconv

logger = logging.getLogger("otel_agents.otel")

DEFAULT_MAX_CONTENT_LENGTH = 32_768
"""Used when no attribute length limit is configured: the SDK's own default is "unlimited"."""

_MIN_STRING_BUDGET = 32
_SURROGATE = re.compile("[\ud800-\udfff]")


class CaptureMode(enum.Enum):
    """Where message content goes."""

    NO_CONTENT = "NO_CONTENT"
    SPAN_ONLY = "SPAN_ONLY"
    EVENT_ONLY = "EVENT_ONLY"
    SPAN_AND_EVENT = "SPAN_AND_EVENT"

    @property
    def enabled(self) -> bool:
        """Whether any content is captured."""
        return self is not CaptureMode.NO_CONTENT

    @property
    def on_span(self) -> bool:
        """Whether content goes to span attributes."""
        return self in (CaptureMode.SPAN_ONLY, CaptureMode.SPAN_AND_EVENT)

    @property
    def on_event(self) -> bool:
        """Whether content goes to a span event."""
        return self in (CaptureMode.EVENT_ONLY, CaptureMode.SPAN_AND_EVENT)


_ALIASES = {"TRUE": CaptureMode.SPAN_ONLY, "FALSE": CaptureMode.NO_CONTENT}
_warned: set[str] = set()


def parse_capture_mode(
    value: str | None, *, source: str = semconv.ENV_CAPTURE_MESSAGE_CONTENT
) -> CaptureMode:
    """Parses a capture setting; an unknown value warns once and captures nothing.

    Args:
        value: The raw setting, or None/empty for the default (no content).
        source: What to name in the warning (the environment variable by default).
    """
    if value is None or not value.strip():
        return CaptureMode.NO_CONTENT
    key = value.strip().upper()
    if key in _ALIASES:
        return _ALIASES[key]
    try:
        return CaptureMode(key)
    except ValueError:
        pass
    if value not in _warned:
        _warned.add(value)
        valid = ", ".join(m.value for m in CaptureMode)
        logger.warning(
            "%s=%r is not a valid value (valid: %s, or true/false); capturing no content",
            source,
            value,
            valid,
        )
    return CaptureMode.NO_CONTENT


def resolve_capture_mode(setting: CaptureMode | bool | str | None) -> CaptureMode:
    """The mode for a processor argument: None reads the environment variable."""
    if isinstance(setting, CaptureMode):
        return setting
    if isinstance(setting, bool):
        return CaptureMode.SPAN_ONLY if setting else CaptureMode.NO_CONTENT
    if setting is None:
        return parse_capture_mode(os.environ.get(semconv.ENV_CAPTURE_MESSAGE_CONTENT))
    return parse_capture_mode(setting, source="capture_content")


def clean_str(text: str) -> str:
    """Text that UTF-8 can encode: lone surrogates become U+FFFD instead of breaking export."""
    if text.isascii():  # O(1) in CPython (a flag on the string): the common case costs nothing
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text


METRIC_VALUE_LIMIT = 1024
"""Longest metric attribute value: a metric series per 200 KB workflow name would cost every
backend that stores it, and names longer than this are not names."""


def metric_value(text: str) -> str:
    """A metric attribute string: cleaned and at most `METRIC_VALUE_LIMIT` characters."""
    return clean_str(text if len(text) <= METRIC_VALUE_LIMIT else text[:METRIC_VALUE_LIMIT])


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters, cleaned."""
    return clean_str(text if len(text) <= limit else text[:limit])


def to_json(value: Any, limit: int) -> str:
    """JSON for `value`, at most `limit` characters.

    Long strings inside are shortened first (halving their budget until the whole fits), so the
    result stays valid JSON unless the structure itself is bigger than the limit; then the text is
    cut at the limit as a last resort.
    """
    text = _dumps(value)
    if len(text) <= limit:
        return clean_str(text)
    budget = max(limit // 2, _MIN_STRING_BUDGET)
    while budget >= _MIN_STRING_BUDGET:
        text = _dumps(_shorten(value, budget))
        if len(text) <= limit:
            return clean_str(text)
        budget //= 2
    return truncate(text, limit)


def shorten(value: Any, limit: int) -> Any:
    """`value` with every string inside cut to `limit` characters (structured event content)."""
    return _shorten(value, limit)


def _dumps(value: Any) -> str:
    # ensure_ascii=False keeps text readable; default=str makes any object serialisable.
    try:
        return json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":"))
    except (TypeError, ValueError):
        # default= does not apply to dict keys (e.g. a tuple key), and a cycle is a ValueError:
        # keys become strings, and what still fails is exported as its str().
        try:
            return json.dumps(
                _string_keys(value), ensure_ascii=False, default=str, separators=(",", ":")
            )
        except (TypeError, ValueError):
            return json.dumps(str(value), ensure_ascii=False)


def _string_keys(value: Any, depth: int = 0) -> Any:
    if depth > 50:
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _string_keys(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_string_keys(v, depth + 1) for v in value]
    return value


def _shorten(value: Any, budget: int) -> Any:
    if isinstance(value, str):
        return value if len(value) <= budget else value[:budget] + "…"
    if isinstance(value, Mapping):
        return {str(k): _shorten(v, budget) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_shorten(v, budget) for v in value]
    return value
