"""Pure mapping from our traces and span data to OpenTelemetry span names, kinds and attributes.

Nothing here touches SDK state: given a span's data it says what the OTel span is called, which
attributes it carries at start (the ones a sampler needs: operation, provider, agent, model) and
which are only known at end (usage, response id, handoff target, guardrail verdict, content).
`processor.py` owns the OTel spans and applies what this module returns.

| our span   | OTel span name                    | kind     | gen_ai.operation.name |
| ---------- | --------------------------------- | -------- | --------------------- |
| trace      | `invoke_workflow {workflow name}` | INTERNAL | invoke_workflow       |
| agent      | `invoke_agent {agent}`            | INTERNAL | invoke_agent          |
| generation | `chat {model}`                    | CLIENT   | chat                  |
| function   | `execute_tool {tool}`             | INTERNAL | execute_tool          |
| handoff    | `handoff {from}` -> `handoff {from} -> {to}` at end | INTERNAL | -       |
| guardrail  | `guardrail {name}`                | INTERNAL | -                     |
| custom     | its name                          | INTERNAL | -                     |

Content (`gen_ai.*messages`, instructions, tool arguments/results, sensitive custom data) is only
built when the caller asks for it (`include_content`), so nothing is serialised by default.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from opentelemetry.trace import SpanKind
from opentelemetry.util.types import AttributeValue

from ..tracing.span_data import (
    AgentSpanData,
    CustomSpanData,
    FunctionSpanData,
    GenerationSpanData,
    GuardrailSpanData,
    HandoffSpanData,
    SpanData,
)
from . import messages
from . import semconv as sc
from .capture import to_json, truncate

Attributes = dict[str, AttributeValue]


class TraceLike(Protocol):
    """What the mapping reads from a trace."""

    @property
    def trace_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def group_id(self) -> str | None: ...
    @property
    def metadata(self) -> Mapping[str, Any] | None: ...


class SpanErrorLike(Protocol):
    """What the mapping reads from a span's error."""

    @property
    def message(self) -> str: ...
    @property
    def data(self) -> Mapping[str, Any] | None: ...
    @property
    def type(self) -> str | None: ...


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs ~1 us per span
class SpanStart:
    """How to start the OTel span."""

    name: str
    kind: SpanKind
    attributes: Attributes


@dataclass(slots=True)
class SpanEnd:
    """What to apply before ending the OTel span.

    Attributes:
        attributes: Late attributes, always set.
        content: Content attributes (empty unless content was asked for).
        content_event: The event name that carries `content` in the event capture modes.
        events: Other events to add (name, attributes).
        new_name: A better span name now that late fields are known, or None.
    """

    attributes: Attributes = field(default_factory=dict)
    content: Attributes = field(default_factory=dict)
    content_event: str | None = None
    events: list[tuple[str, Attributes]] = field(default_factory=list)
    new_name: str | None = None


@dataclass(frozen=True)
class ErrorInfo:
    """How to record a span's error: status description, `error.type`, exception event."""

    error_type: str
    description: str
    event: Attributes


def trace_start(trace: TraceLike) -> SpanStart:
    """The root `invoke_workflow` span for a trace."""
    attrs: Attributes = {
        sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_WORKFLOW,
        sc.GEN_AI_WORKFLOW_NAME: trace.name,
        sc.OA_TRACE_ID: trace.trace_id,
    }
    if trace.group_id:
        attrs[sc.GEN_AI_CONVERSATION_ID] = trace.group_id
    if trace.metadata:
        attrs.update(flatten(sc.OA_TRACE_METADATA_PREFIX, trace.metadata))
    return SpanStart(f"{sc.OP_INVOKE_WORKFLOW} {trace.name}", SpanKind.INTERNAL, attrs)


def span_start(data: SpanData, *, conversation_id: str | None = None) -> SpanStart:
    """Name, kind and start attributes for one span's data."""
    if isinstance(data, AgentSpanData):
        attrs: Attributes = {
            sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_AGENT,
            sc.GEN_AI_AGENT_NAME: data.name,
        }
        _put(attrs, sc.GEN_AI_PROVIDER_NAME, data.provider)
        _put(attrs, sc.GEN_AI_REQUEST_MODEL, data.model)
        _put(attrs, sc.GEN_AI_CONVERSATION_ID, conversation_id)
        if data.output_type:
            attrs[sc.GEN_AI_OUTPUT_TYPE] = "json"
            attrs[sc.OA_AGENT_OUTPUT_TYPE] = data.output_type
        if data.tools:
            attrs[sc.OA_AGENT_TOOLS] = list(data.tools)
        if data.handoffs:
            attrs[sc.OA_AGENT_HANDOFFS] = list(data.handoffs)
        return SpanStart(f"{sc.OP_INVOKE_AGENT} {data.name}", SpanKind.INTERNAL, attrs)
    if isinstance(data, GenerationSpanData):
        attrs = {sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT, sc.GEN_AI_REQUEST_STREAM: data.stream}
        _put(attrs, sc.GEN_AI_PROVIDER_NAME, data.provider)
        _put(attrs, sc.GEN_AI_REQUEST_MODEL, data.model)
        _put(attrs, sc.SERVER_ADDRESS, data.server_address)
        _put(attrs, sc.SERVER_PORT, data.server_port)
        _put(attrs, sc.GEN_AI_CONVERSATION_ID, conversation_id)
        if data.model_config:
            attrs.update(request_attributes(data.model_config))
        name = f"{sc.OP_CHAT} {data.model}" if data.model else sc.OP_CHAT
        return SpanStart(name, SpanKind.CLIENT, attrs)
    if isinstance(data, FunctionSpanData):
        attrs = {
            sc.GEN_AI_OPERATION_NAME: sc.OP_EXECUTE_TOOL,
            sc.GEN_AI_TOOL_NAME: data.name,
            sc.GEN_AI_TOOL_TYPE: data.tool_type,
        }
        _put(attrs, sc.GEN_AI_TOOL_CALL_ID, data.call_id)
        _put(attrs, sc.GEN_AI_TOOL_DESCRIPTION, data.description)
        return SpanStart(f"{sc.OP_EXECUTE_TOOL} {data.name}", SpanKind.INTERNAL, attrs)
    if isinstance(data, HandoffSpanData):
        attrs = {}
        _put(attrs, sc.OA_HANDOFF_FROM_AGENT, data.from_agent)
        return SpanStart(_handoff_name(data.from_agent, None), SpanKind.INTERNAL, attrs)
    if isinstance(data, GuardrailSpanData):
        attrs = {sc.OA_GUARDRAIL_NAME: data.name, sc.OA_GUARDRAIL_KIND: data.kind}
        return SpanStart(f"guardrail {data.name}", SpanKind.INTERNAL, attrs)
    if isinstance(data, CustomSpanData):
        return SpanStart(data.name, SpanKind.INTERNAL, {})
    # A span type we do not know (a newer tracing module): keep it visible under its type.
    return SpanStart(str(getattr(data, "type", "span")), SpanKind.INTERNAL, {})


def span_end(data: SpanData, *, include_content: bool, limit: int) -> SpanEnd:
    """Late attributes, events, content and renames for one span's data at its end.

    Args:
        data: The span's (final) data.
        include_content: Whether to build content attributes (capture on AND span recording).
        limit: Maximum length of any JSON or text value we build.
    """
    end = SpanEnd()
    attrs = end.attributes
    if isinstance(data, AgentSpanData):
        _put(attrs, sc.OA_RUN_OUTCOME, data.run_outcome)
    elif isinstance(data, GenerationSpanData):
        _put(attrs, sc.GEN_AI_RESPONSE_ID, data.response_id)
        _put(attrs, sc.GEN_AI_RESPONSE_MODEL, data.response_model)
        if data.finish_reasons:
            attrs[sc.GEN_AI_RESPONSE_FINISH_REASONS] = [str(r) for r in data.finish_reasons]
        attrs.update(usage_attributes(data.usage))
        if data.stream:
            _put(attrs, sc.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, data.time_to_first_chunk)
            if data.chunk_count:  # 0: not counted (the OpenAI Agents SDK does not count chunks)
                attrs[sc.OA_RESPONSE_CHUNK_COUNT] = data.chunk_count
                attrs[sc.OA_RESPONSE_OUTPUT_CHUNK_COUNT] = data.output_chunk_count
        if include_content:
            end.content_event = sc.EVENT_INFERENCE_DETAILS
            if data.system_instructions is not None:
                end.content[sc.GEN_AI_SYSTEM_INSTRUCTIONS] = to_json(
                    messages.system_instructions(data.system_instructions), limit
                )
            if data.input is not None:
                end.content[sc.GEN_AI_INPUT_MESSAGES] = to_json(
                    messages.input_messages(data.input), limit
                )
            if data.output is not None:
                end.content[sc.GEN_AI_OUTPUT_MESSAGES] = to_json(
                    messages.output_messages(data.output), limit
                )
    elif isinstance(data, FunctionSpanData):
        _put(attrs, sc.GEN_AI_TOOL_CALL_ID, data.call_id)
        if include_content:
            end.content_event = sc.EVENT_TOOL_CALL_DETAILS
            if data.input is not None:
                end.content[sc.GEN_AI_TOOL_CALL_ARGUMENTS] = _json_text(data.input, limit)
            if data.output is not None:
                end.content[sc.GEN_AI_TOOL_CALL_RESULT] = _json_text(data.output, limit)
    elif isinstance(data, HandoffSpanData):
        if data.to_agent:
            attrs[sc.OA_HANDOFF_TO_AGENT] = data.to_agent
            end.new_name = _handoff_name(data.from_agent, data.to_agent)
    elif isinstance(data, GuardrailSpanData):
        verdict: Attributes = {
            sc.GEN_AI_GUARDRAIL_COMPONENT_NAME: data.name,
            sc.GEN_AI_GUARDRAIL_SOURCE: data.kind,
            sc.GEN_AI_GUARDRAIL_RESULT_TYPE: sc.GUARDRAIL_RESULT_TYPE_TRIPWIRE,
            sc.GEN_AI_GUARDRAIL_RESULT_VALUE: "true" if data.triggered else "false",
        }
        attrs[sc.OA_GUARDRAIL_TRIGGERED] = data.triggered
        attrs.update(verdict)
        end.events.append((sc.EVENT_GUARDRAIL_RESULT, dict(verdict)))
    elif isinstance(data, CustomSpanData):
        if not data.sensitive:
            attrs.update(flatten(sc.OA_CUSTOM_PREFIX, data.data, limit))
        elif include_content:
            end.content_event = sc.EVENT_CUSTOM_DETAILS
            end.content.update(flatten(sc.OA_CUSTOM_PREFIX, data.data, limit))
    return end


def error_info(error: SpanErrorLike, *, include_content: bool, limit: int) -> ErrorInfo:
    """How to record an error.

    An error's message can quote a prompt or a tool argument (`ValueError(f"bad query {q}")`), so
    it is treated as content: without the opt-in, the status description and the exception event
    carry the error type only.
    """
    error_type = error.type or sc.ERROR_TYPE_OTHER
    event: Attributes = {sc.EXCEPTION_TYPE: error_type}
    description = error_type
    if include_content:
        description = truncate(error.message, limit) if error.message else error_type
        event[sc.EXCEPTION_MESSAGE] = description
        if error.data:
            event[sc.OA_ERROR_DATA] = to_json(dict(error.data), limit)
    return ErrorInfo(error_type, description, event)


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


def _json_text(value: Any, limit: int) -> str:
    """A tool argument/result as JSON text: JSON strings pass through, others are encoded."""
    if isinstance(value, str):
        if len(value) <= limit:
            return value
        return to_json(messages.parse_json_or_text(value), limit)
    return to_json(value, limit)


def _handoff_name(from_agent: str | None, to_agent: str | None) -> str:
    name = f"handoff {from_agent}" if from_agent else "handoff"
    return f"{name} -> {to_agent}" if to_agent else name


def _put(attrs: Attributes, key: str, value: AttributeValue | None) -> None:
    if value is not None:
        attrs[key] = value
