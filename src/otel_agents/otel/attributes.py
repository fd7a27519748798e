"""Attribute values built from user data: model settings, token usage, dicts and JSON text.

Pure helpers of `mapping.py`: each takes plain values and returns OTel attribute values that the
OTLP encoders accept (primitives, homogeneous lists, int64 integers), falling back to JSON text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry.util.types import AttributeValue

from . import messages
from . import semconv as sc
from .capture import to_json

Attributes = dict[str, AttributeValue]


def request_attributes(config: Mapping[str, Any]) -> Attributes:
    """`gen_ai.request.*` attributes for the model settings that were set."""
    attrs: Attributes = {}
    for key, name, kind in _REQUEST_PARAMS:
        value = config.get(key)
        if kind is bool:
            if isinstance(value, bool):
                attrs[name] = value
        elif value is None or isinstance(value, bool):
            continue  # bool is an int: never report True as a temperature
        elif kind is float and isinstance(value, (int, float)):
            attrs[name] = float(value)
        elif (kind is int and isinstance(value, int)) or (kind is str and isinstance(value, str)):
            attrs[name] = value
    stop = config.get("stop")
    if isinstance(stop, str):
        attrs[sc.GEN_AI_REQUEST_STOP_SEQUENCES] = [stop]
    elif isinstance(stop, (list, tuple)):
        attrs[sc.GEN_AI_REQUEST_STOP_SEQUENCES] = [str(s) for s in stop]
    n = config.get("n")
    if isinstance(n, int) and not isinstance(n, bool) and n != 1:
        attrs[sc.GEN_AI_REQUEST_CHOICE_COUNT] = n
    return attrs


_REQUEST_PARAMS: tuple[tuple[str, str, type], ...] = (
    ("temperature", sc.GEN_AI_REQUEST_TEMPERATURE, float),
    ("top_p", sc.GEN_AI_REQUEST_TOP_P, float),
    ("top_k", sc.GEN_AI_REQUEST_TOP_K, float),
    ("max_tokens", sc.GEN_AI_REQUEST_MAX_TOKENS, int),
    ("frequency_penalty", sc.GEN_AI_REQUEST_FREQUENCY_PENALTY, float),
    ("presence_penalty", sc.GEN_AI_REQUEST_PRESENCE_PENALTY, float),
    ("seed", sc.GEN_AI_REQUEST_SEED, int),
    ("tool_choice", sc.OA_REQUEST_TOOL_CHOICE, str),
    ("parallel_tool_calls", sc.OA_REQUEST_PARALLEL_TOOL_CALLS, bool),
)


def usage_attributes(usage: Mapping[str, int] | None) -> Attributes:
    """`gen_ai.usage.*` for a generation's token usage (keys from GenerationSpanData.usage)."""
    attrs: Attributes = {}
    if not usage:
        return attrs
    for key, name in (
        ("input_tokens", sc.GEN_AI_USAGE_INPUT_TOKENS),
        ("output_tokens", sc.GEN_AI_USAGE_OUTPUT_TOKENS),
        ("cached_input_tokens", sc.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS),
        ("reasoning_tokens", sc.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS),
    ):
        value = usage.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            attrs[name] = value
    # Recommended "when applicable": only servers with explicit prompt caching write to it.
    written = usage.get("cache_write_tokens")
    if isinstance(written, int) and not isinstance(written, bool) and written > 0:
        attrs[sc.GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS] = written
    return attrs


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def flatten(prefix: str, data: Mapping[str, Any], limit: int | None = None) -> Attributes:
    """`{prefix}{key}` attributes for a dict: primitives and homogeneous lists of primitives as
    they are, anything else as JSON (bounded by `limit`). None values are skipped."""
    out: Attributes = {}
    bound = limit or 2**31
    for key, value in data.items():
        if value is None:
            continue
        name = f"{prefix}{key}"
        if type(value) is int and not _INT64_MIN <= value <= _INT64_MAX:
            out[name] = str(value)  # OTLP ints are int64: a bigger one would be dropped
        elif isinstance(value, (str, bool, int, float)):
            out[name] = value
        elif isinstance(value, (list, tuple)) and _homogeneous(value):
            out[name] = list(value)
        else:
            out[name] = to_json(value, bound)
    return out


def _homogeneous(values: Sequence[Any]) -> bool:
    # OTel arrays must hold one primitive type; bool is an int subclass, so compare exact types.
    if not values:
        return False
    first = type(values[0])
    return first in (str, bool, int, float) and all(type(v) is first for v in values)


def json_text(value: Any, limit: int) -> str:
    """A tool argument/result as JSON text: JSON strings pass through, others are encoded."""
    if isinstance(value, str):
        if len(value) <= limit:
            return value
        return to_json(messages.parse_json_or_text(value), limit)
    return to_json(value, limit)
