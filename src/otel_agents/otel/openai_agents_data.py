"""The OpenAI Agents SDK's span data, errors and times as ours (pure functions; no `agents` import).

`openai_agents.py` (the adapter) calls `convert` at a span's start and again at its end, passing
back what it found at the start (stream or not, guardrail kind, tool call id), so late fields
(usage, the `Response`, a handoff's target) are read when the span ends. Objects are read by
attribute or as dicts, so SDK versions that add fields keep working.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from functools import partial
from time import time_ns
from typing import Any, Literal
from urllib.parse import urlparse

from ..models._finish_reason import finish_reason_of
from ..tracing.span_data import (
    AgentSpanData,
    CustomSpanData,
    FunctionSpanData,
    GenerationSpanData,
    GuardrailSpanData,
    HandoffSpanData,
    SpanData,
)
from ..tracing.spans import SpanError, exception_type_name

DEFAULT_PROVIDER = "openai"
"""The SDK's default model provider: Responses API calls, and agents that made no model call."""

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def convert(sdk: Any, kind: str, start: SpanData | None, content: bool = True) -> SpanData:
    """Our span data for the SDK's, keeping the facts found at start (`start`).

    Without `content` (capture off), a model call's instructions, input and output items are not
    converted: they would never be exported, and dumping a long history costs per call.
    """
    if kind == "agent":
        output_type = getattr(sdk, "output_type", None)
        return AgentSpanData(
            name=str(sdk.name),
            handoffs=[str(h) for h in sdk.handoffs or ()]
            or (list(start.handoffs) if isinstance(start, AgentSpanData) else []),
            tools=[str(t) for t in sdk.tools or ()],
            output_type=None if output_type in (None, "str") else str(output_type),
        )
    if kind in ("response", "generation"):
        data = GenerationSpanData(stream=isinstance(start, GenerationSpanData) and start.stream)
        if kind == "response":
            _fill_from_response(data, sdk, content)
        else:
            _fill_from_generation(data, sdk, content)
        return data
    if kind == "function":
        call_id = start.call_id if isinstance(start, FunctionSpanData) else None
        return FunctionSpanData(str(sdk.name), call_id=call_id, input=sdk.input, output=sdk.output)
    if kind == "guardrail":
        guard_kind: Literal["input", "output"] = (
            start.kind if isinstance(start, GuardrailSpanData) else "input"
        )
        return GuardrailSpanData(str(sdk.name), guard_kind, bool(sdk.triggered))
    if kind == "handoff":
        return HandoffSpanData(sdk.from_agent, sdk.to_agent)
    if kind == "custom":
        custom = sdk.data if isinstance(sdk.data, dict) else {}
        return CustomSpanData(str(sdk.name), dict(custom))
    if kind == "mcp_tools":
        server = getattr(sdk, "server", None)
        tools = [str(t) for t in getattr(sdk, "result", None) or ()]
        name = f"mcp tools/list {server}" if server else "mcp tools/list"
        return CustomSpanData(name, {"server": server, "tools": tools or None})
    return CustomSpanData(kind)  # speech, transcription, ... and future types: no content


def _fill_from_response(data: GenerationSpanData, sdk: Any, content: bool) -> None:
    """A Responses API call: everything but usage comes from the `Response` object."""
    data.provider = DEFAULT_PROVIDER
    response = getattr(sdk, "response", None)
    data.usage = _usage(getattr(sdk, "usage", None)) or _usage(getattr(response, "usage", None))
    exported = sdk.export()
    data.response_id = exported.get("response_id") if isinstance(exported, dict) else None
    if response is None:
        return  # the SDK withholds it when trace_include_sensitive_data is False
    # The SDK's response span does not carry the requested model; the Response echoes it.
    data.model = data.response_model = getattr(response, "model", None) or None
    data.finish_reasons = [finish_reason_of(response)]
    if not content:
        return
    instructions = getattr(response, "instructions", None)
    data.system_instructions = instructions if isinstance(instructions, str) else None
    data.input = _items(getattr(sdk, "input", None))
    data.output = [_plain(item) for item in getattr(response, "output", None) or ()]


def _fill_from_generation(data: GenerationSpanData, sdk: Any, content: bool) -> None:
    """A Chat Completions (or LiteLLM, any-llm) call: model and config are set at start."""
    config = dict(sdk.model_config or {})
    data.model = str(sdk.model) if sdk.model else None
    impl, base_url = config.pop("model_impl", None), config.pop("base_url", None)
    provider = config.pop("provider", None)
    if provider is None and impl == "litellm":
        prefix, slash, _ = (data.model or "").partition("/")
        provider = prefix if slash else "litellm"
    data.provider = str(provider or DEFAULT_PROVIDER)
    data.model_config = config
    if base_url:
        parsed = urlparse(str(base_url))
        data.server_address = parsed.hostname
        try:
            data.server_port = parsed.port or (443 if parsed.scheme == "https" else 80)
        except ValueError:
            data.server_port = None
    data.usage = _usage(sdk.usage)
    outputs = output_items(sdk)
    if content:
        data.input = _items(sdk.input)
        data.output = outputs or None
    if sdk.output:
        data.finish_reasons = [_finish_reason(outputs)]
    response = sdk.output[0] if sdk.output and isinstance(sdk.output[0], dict) else {}
    data.response_id = response.get("id") if response.get("object") == "response" else None
    data.response_model = response.get("model") or None


def output_items(sdk: Any) -> list[dict[str, Any]]:
    """Output items of a response span (`Response.output`) or a generation span (the SDK stores
    `[Response.model_dump()]` for Chat Completions, or raw message dicts)."""
    response = getattr(sdk, "response", None)
    if response is not None:
        return [_plain(item) for item in getattr(response, "output", None) or ()]
    items: list[dict[str, Any]] = []
    for entry in getattr(sdk, "output", None) or ():
        entry = _plain(entry)
        nested = entry.get("output") if entry.get("object") == "response" else None
        if isinstance(nested, list):
            items.extend(_plain(i) for i in nested)
        else:
            items.append(entry)
    return items


def function_calls(sdk: Any) -> list[tuple[str, str]]:
    """(tool name, call id) of each function call in a model span's output, read by field: a
    response's output items are not dumped whole (they carry the content)."""
    response = getattr(sdk, "response", None)
    items = getattr(response, "output", None) or () if response is not None else output_items(sdk)
    calls = []
    for item in items:
        get = item.get if isinstance(item, dict) else partial(getattr, item)
        if get("type", None) == "function_call":
            name, call_id = get("name", None), get("call_id", None)
            if name and call_id:
                calls.append((str(name), str(call_id)))
    return calls


def _finish_reason(items: list[dict[str, Any]]) -> str:
    # The same rule as `finish_reason_of` for a Response, on dumped items.
    return "tool_calls" if any(i.get("type") == "function_call" for i in items) else "stop"


def _usage(raw: Any) -> dict[str, int] | None:
    """Our usage keys from the SDK's usage dict or an OpenAI usage object."""
    if raw is None:
        return None
    raw = _plain(raw)
    in_details = _plain(raw.get("input_tokens_details") or {})
    out_details = _plain(raw.get("output_tokens_details") or {})
    usage = {
        "input_tokens": raw.get("input_tokens"),
        "output_tokens": raw.get("output_tokens"),
        "cached_input_tokens": in_details.get("cached_tokens", raw.get("cached_input_tokens", 0)),
        "cache_write_tokens": in_details.get("cache_write_tokens", raw.get("cache_write_tokens")),
        "reasoning_tokens": out_details.get("reasoning_tokens", 0),
    }
    out = {k: v for k, v in usage.items() if isinstance(v, int) and not isinstance(v, bool)}
    return out or None


def _items(raw: Any) -> list[dict[str, Any]] | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        return [{"role": "user", "content": raw}]
    return [_plain(item) for item in raw]


def _plain(value: Any) -> dict[str, Any]:
    """A dict for a dict or a pydantic model (SDK items are either)."""
    if isinstance(value, dict):
        return value
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        dumped = dump(exclude_none=True)
        if isinstance(dumped, dict):
            return dumped
    return {}


def span_error(raw: Any, exc: BaseException | None) -> SpanError | None:
    """Our SpanError for the SDK's `{"message", "data"}` dict; its type is that of `exc`, the
    exception propagating as the span ends (the SDK ends spans in `__exit__`), if any."""
    if not raw:
        return None
    message = raw.get("message") if isinstance(raw, dict) else getattr(raw, "message", None)
    data = raw.get("data") if isinstance(raw, dict) else getattr(raw, "data", None)
    return SpanError(
        message=str(message or ""),
        data=data if isinstance(data, dict) else None,
        type=exception_type_name(exc) if exc is not None else None,
    )


def run_outcome(exc: BaseException | None, error: SpanError | None, tripped: bool) -> str:
    """The outcome of a run whose last agent span ends now (names as our runner's)."""
    if isinstance(exc, asyncio.CancelledError):
        return "cancelled"
    kind = type(exc).__name__ if exc is not None else ""
    if kind.endswith("GuardrailTripwireTriggered") or (tripped and not kind):
        return "guardrail_tripped"
    if kind == "MaxTurnsExceeded":
        return "max_turns"
    return "error" if exc is not None or error is not None else "success"


def iso_ns(value: Any) -> int:
    """Nanoseconds since the epoch for the SDK's ISO 8601 times (now, if it is not one)."""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return time_ns()
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        delta = moment - _EPOCH  # exact integers (a timedelta division costs 3x as much)
        return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000
    return time_ns()
