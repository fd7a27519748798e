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

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from opentelemetry._logs import SeverityNumber
from opentelemetry.trace import SpanKind
from opentelemetry.util.types import AttributeValue

from .._naming import transfer_tool_name
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
from .attributes import flatten, json_text, request_attributes, usage_attributes
from .capture import shorten, to_json, truncate
from .profiles import DEFAULT, Profile

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
        content: Content attributes for the span (JSON strings; empty unless asked for).
        event_content: The same content in structured form, for events (empty unless asked for).
        content_event: The event that carries `event_content`.
        new_name: A better span name now that late fields are known, or None.
    """

    attributes: Attributes = field(default_factory=dict)
    content: Attributes = field(default_factory=dict)
    event_content: dict[str, Any] = field(default_factory=dict)
    content_event: str | None = None
    new_name: str | None = None


@dataclass(frozen=True)
class ErrorInfo:
    """How to record a span's error: status description, `error.type`, exception event."""

    error_type: str
    description: str
    event: Attributes


def workflow_start(
    workflow: str | None,
    *,
    trace_id: str,
    conversation_id: str | None,
    metadata: Mapping[str, Any] | None,
    user_id: str | None = None,
) -> SpanStart:
    """The root `invoke_workflow` span of a trace (`workflow` None: no name is known)."""
    attrs: Attributes = {sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_WORKFLOW}
    _put(attrs, sc.GEN_AI_WORKFLOW_NAME, workflow)
    put_ids(attrs, conversation_id, user_id)
    attrs[sc.OA_TRACE_ID] = trace_id
    if metadata:
        attrs.update(flatten(sc.OA_TRACE_METADATA_PREFIX, metadata))
    name = f"{sc.OP_INVOKE_WORKFLOW} {workflow}" if workflow else sc.OP_INVOKE_WORKFLOW
    return SpanStart(name, SpanKind.INTERNAL, attrs)


def output_type(agent_output_type: str | None) -> str:
    """`gen_ai.output.type` for an agent's output type name (None or "str": plain text)."""
    return "text" if agent_output_type in (None, "", "str") else "json"


def turn_start(agent: str, *, conversation_id: str | None, user_id: str | None = None) -> SpanStart:
    """One run as a `handle_conversation_turn` span, named after its entry agent (#571)."""
    attrs: Attributes = {
        sc.GEN_AI_OPERATION_NAME: sc.OP_HANDLE_CONVERSATION_TURN,
        sc.GEN_AI_AGENT_NAME: agent,
    }
    put_ids(attrs, conversation_id, user_id)
    return SpanStart(f"{sc.OP_HANDLE_CONVERSATION_TURN} {agent}", SpanKind.INTERNAL, attrs)


def span_start(
    data: SpanData,
    *,
    conversation_id: str | None = None,
    agent: str | None = None,
    output_type: str | None = None,
    profile: Profile = DEFAULT,
    user_id: str | None = None,
) -> SpanStart:
    """Name, kind and start attributes for one span's data.

    Args:
        data: The span's data.
        conversation_id: The trace's `group_id`: every span of a conversation carries it.
        user_id: The trace metadata's `user.id` (`user_id_from`): every span carries it too.
        agent: The agent the span runs under (tools carry its name).
        output_type: The agent's `gen_ai.output.type` (model calls carry it).
        profile: The conventions' profile (a handoff is a transfer tool call in the newest).
    """
    if isinstance(data, AgentSpanData):
        # No provider on an in-process agent span: the spec defines it on model calls only.
        attrs: Attributes = {
            sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_AGENT,
            sc.GEN_AI_AGENT_NAME: data.name,
        }
        _put(attrs, sc.GEN_AI_REQUEST_MODEL, data.model)
        put_ids(attrs, conversation_id, user_id)
        if data.output_type and data.output_type != "str":
            attrs[sc.GEN_AI_OUTPUT_TYPE] = "json"
            attrs[sc.OA_AGENT_OUTPUT_TYPE] = data.output_type
        if data.tools:
            attrs[sc.OA_AGENT_TOOLS] = list(data.tools)
        if data.handoffs:
            attrs[sc.OA_AGENT_HANDOFFS] = list(data.handoffs)
        return SpanStart(f"{sc.OP_INVOKE_AGENT} {data.name}", SpanKind.INTERNAL, attrs)
    if isinstance(data, GenerationSpanData):
        attrs = {sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT}
        _put(attrs, sc.GEN_AI_PROVIDER_NAME, data.provider)
        _put(attrs, sc.GEN_AI_REQUEST_MODEL, data.model)
        _put(attrs, sc.SERVER_ADDRESS, data.server_address)
        _put(attrs, sc.SERVER_PORT, data.server_port)
        put_ids(attrs, conversation_id, user_id)
        _put(attrs, sc.GEN_AI_OUTPUT_TYPE, output_type)
        if data.stream:
            attrs[sc.GEN_AI_REQUEST_STREAM] = True
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
        _put(attrs, sc.GEN_AI_AGENT_NAME, agent)
        _put(attrs, sc.GEN_AI_TOOL_CALL_ID, data.call_id)
        _put(attrs, sc.GEN_AI_TOOL_DESCRIPTION, data.description)
        put_ids(attrs, conversation_id, user_id)
        return SpanStart(f"{sc.OP_EXECUTE_TOOL} {data.name}", SpanKind.INTERNAL, attrs)
    attrs = {}
    if isinstance(data, HandoffSpanData) and profile.handoff_as_tool:
        # #447: a transfer tool call of the source agent; tool and target known at its end.
        attrs[sc.GEN_AI_OPERATION_NAME] = sc.OP_EXECUTE_TOOL
        _put(attrs, sc.GEN_AI_AGENT_NAME, data.from_agent)
        attrs[sc.GEN_AI_TOOL_TYPE] = "function"
        attrs[sc.GEN_AI_TRANSFER_MODE] = sc.TRANSFER_MODE_PASS_CONTROL
        put_ids(attrs, conversation_id, user_id)
        return SpanStart(sc.OP_EXECUTE_TOOL, SpanKind.INTERNAL, attrs)
    put_ids(attrs, conversation_id, user_id)
    if isinstance(data, HandoffSpanData):
        _put(attrs, sc.OA_HANDOFF_FROM_AGENT, data.from_agent)
        return SpanStart(_handoff_name(data.from_agent, None), SpanKind.INTERNAL, attrs)
    if isinstance(data, GuardrailSpanData):
        attrs[sc.OA_GUARDRAIL_NAME] = data.name
        attrs[sc.OA_GUARDRAIL_KIND] = data.kind
        return SpanStart(f"guardrail {data.name}", SpanKind.INTERNAL, attrs)
    if isinstance(data, CustomSpanData):
        return SpanStart(data.name, SpanKind.INTERNAL, attrs)
    # A span type we do not know (a newer tracing module): keep it visible under its type.
    return SpanStart(str(getattr(data, "type", "span")), SpanKind.INTERNAL, attrs)


def span_end(
    data: SpanData,
    *,
    on_span: bool,
    on_event: bool,
    limit: int,
    failed: bool = False,
    profile: Profile = DEFAULT,
) -> SpanEnd:
    """Late attributes, content and renames for one span's data at its end.

    Args:
        data: The span's (final) data.
        on_span: Build content attributes for the span (capture on AND span recording).
        on_event: Build structured content for the content event.
        limit: Maximum length of any JSON or text value we build.
        failed: The span ended in an error (a failed tool has no `gen_ai.tool.call.result`).
        profile: The conventions' profile.
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
        if on_span or on_event:
            content: dict[str, Any] = {}
            if data.system_instructions is not None:
                content[sc.GEN_AI_SYSTEM_INSTRUCTIONS] = messages.system_instructions(
                    data.system_instructions
                )
            if data.input is not None:
                content[sc.GEN_AI_INPUT_MESSAGES] = messages.input_messages(data.input)
            if data.output is not None:
                content[sc.GEN_AI_OUTPUT_MESSAGES] = messages.output_messages(data.output)
            if on_span:
                end.content = {k: to_json(v, limit) for k, v in content.items()}
            if on_event:
                end.event_content = {k: shorten(v, limit) for k, v in content.items()}
            end.content_event = sc.EVENT_INFERENCE_DETAILS
    elif isinstance(data, FunctionSpanData):
        _put(attrs, sc.GEN_AI_TOOL_CALL_ID, data.call_id)
        if on_span or on_event:
            if data.input is not None:
                end.content[sc.GEN_AI_TOOL_CALL_ARGUMENTS] = json_text(data.input, limit)
            if data.output is not None and not failed:
                end.content[sc.GEN_AI_TOOL_CALL_RESULT] = json_text(data.output, limit)
            if on_event:
                end.event_content = dict(end.content)
                end.content_event = sc.EVENT_TOOL_CALL_DETAILS
    elif isinstance(data, HandoffSpanData):
        if data.to_agent and profile.handoff_as_tool:
            tool = transfer_tool_name(data.to_agent)
            attrs[sc.GEN_AI_TOOL_NAME] = tool
            attrs[sc.GEN_AI_TRANSFER_TARGET_NAME] = data.to_agent
            end.new_name = f"{sc.OP_EXECUTE_TOOL} {tool}"
        elif data.to_agent:
            attrs[sc.OA_HANDOFF_TO_AGENT] = data.to_agent
            end.new_name = _handoff_name(data.from_agent, data.to_agent)
    elif isinstance(data, GuardrailSpanData):
        attrs[sc.OA_GUARDRAIL_TRIGGERED] = data.triggered
        attrs.update(guardrail_verdict(data))
    elif isinstance(data, CustomSpanData):
        if not data.sensitive:
            attrs.update(flatten(sc.OA_CUSTOM_PREFIX, data.data, limit))
        elif on_span or on_event:
            end.content.update(flatten(sc.OA_CUSTOM_PREFIX, data.data, limit))
            if on_event:
                end.event_content = dict(end.content)
                end.content_event = sc.EVENT_CUSTOM_DETAILS
    return end


def guardrail_verdict(data: GuardrailSpanData) -> Attributes:
    """The `gen_ai.guardrail.*` attributes of one verdict (gen-ai-guardrails.md)."""
    return {
        sc.GEN_AI_GUARDRAIL_COMPONENT_NAME: data.name,
        sc.GEN_AI_GUARDRAIL_SOURCE: data.kind,
        sc.GEN_AI_GUARDRAIL_RESULT_TYPE: sc.GUARDRAIL_RESULT_TYPE_TRIPWIRE,
        sc.GEN_AI_GUARDRAIL_RESULT_VALUE: "true" if data.triggered else "false",
    }


Event = tuple[str, SeverityNumber, dict[str, Any]]


def end_events(data: SpanData, end: SpanEnd, *, details: bool) -> list[Event]:
    """The events (log records) a span emits as it ends, besides a failed call's exception.

    Args:
        data: The span's data.
        end: What `span_end` built for it (its structured content, if any).
        details: Whether model calls get their `gen_ai.client.inference.operation.details`.
    """
    if isinstance(data, GuardrailSpanData):
        return [(sc.EVENT_GUARDRAIL_RESULT, SeverityNumber.INFO, dict(guardrail_verdict(data)))]
    if isinstance(data, GenerationSpanData):
        if not details:
            return []
        attrs: dict[str, Any] = dict(end.attributes)
        attrs.update(end.event_content)
        return [(sc.EVENT_INFERENCE_DETAILS, SeverityNumber.DEBUG, attrs)]
    if end.event_content and end.content_event:  # tools' and custom spans' content
        return [(end.content_event, SeverityNumber.DEBUG, dict(end.event_content))]
    return []


def exception_event(
    data: GenerationSpanData, error: SpanErrorLike, *, include_content: bool, limit: int
) -> dict[str, Any]:
    """`gen_ai.client.operation.exception` attributes for a failed model call."""
    attrs: dict[str, Any] = {sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT}
    _put(attrs, sc.GEN_AI_PROVIDER_NAME, data.provider)
    _put(attrs, sc.GEN_AI_REQUEST_MODEL, data.model)
    _put(attrs, sc.SERVER_ADDRESS, data.server_address)
    _put(attrs, sc.SERVER_PORT, data.server_port)
    info = error_info(error, include_content=include_content, limit=limit)
    attrs[sc.ERROR_TYPE] = info.error_type
    attrs.update(info.event)
    return attrs


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


def _handoff_name(from_agent: str | None, to_agent: str | None) -> str:
    name = f"handoff {from_agent}" if from_agent else "handoff"
    return f"{name} -> {to_agent}" if to_agent else name


def user_id_from(metadata: Mapping[str, Any] | None) -> str | None:
    """The user id an app gives as trace metadata `{"user.id": ...}` (a string or an integer),
    else None: an id of another type is not guessed at (the caller says so once)."""
    if not metadata:
        return None
    value = metadata.get(sc.TRACE_METADATA_USER_ID)
    if isinstance(value, str):
        return value or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def put_ids(attrs: dict[str, Any], conversation_id: str | None, user_id: str | None) -> None:
    """The conversation's and the user's ids, which every span and event of a run carries."""
    if conversation_id is not None:
        attrs[sc.GEN_AI_CONVERSATION_ID] = conversation_id
    if user_id is not None:
        attrs[sc.USER_ID] = user_id


def _put(attrs: dict[str, Any], key: str, value: AttributeValue | None) -> None:
    if value is not None:
        attrs[key] = value
