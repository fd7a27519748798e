"""The factories users and the runner call: `trace(...)` and one `*_span(...)` per span type.

A factory only creates: call `start()` / `finish()` or use the result as a `with` block. Spans
default to the current span as parent, else the current trace; with no current trace, a no-op
trace, a no-op parent, or tracing disabled, the factories return no-op objects, so callers never
branch on whether tracing is on. The span data object passed in (or built here) is the one the
span holds: the caller fills late fields (a handoff's target, usage, output) on it before ending.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from ..exceptions import UserError
from .context import current_span, current_trace
from .provider import get_trace_provider, new_span_id, new_trace_id
from .span_data import (
    AgentSpanData,
    CustomSpanData,
    FunctionSpanData,
    GenerationSpanData,
    GuardrailSpanData,
    HandoffSpanData,
    SpanData,
)
from .spans import NoOpSpan, Span
from .traces import NoOpTrace, Trace

TData = TypeVar("TData", bound=SpanData)


def _check_id(kind: str, value: str | None) -> str | None:
    # Any non-empty string is accepted, as in the OpenAI Agents SDK ("trace_123" included); the
    # OTel bridge maps ids of another form to valid OTel ids by hashing them.
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise UserError(
            f"Invalid {kind} {value!r}: give a string (the usual form is "
            f"'{kind.split('_')[0]}_' + uuid.uuid4().hex), or None to generate one"
        )
    return value


def trace(
    workflow_name: str = "Agent workflow",
    trace_id: str | None = None,
    group_id: str | None = None,
    metadata: dict[str, Any] | None = None,
    disabled: bool = False,
) -> Trace:
    """Create a trace: `with trace("name"):` groups every run and span inside into one workflow.

    Args:
        workflow_name: What the workflow is called in the trace backend.
        trace_id: Your own id, usually "trace_" + 32 lowercase hex digits (that is then the OTel
            trace id); any other string is kept and mapped to an OTel trace id by a hash.
            Generated when None.
        group_id: Links related traces, e.g. a conversation or session id.
        metadata: Free-form key/values attached to the trace.
        disabled: Record nothing for this trace (you get a `NoOpTrace`).

    Raises:
        UserError: `trace_id` is not a string.
    """
    trace_id = _check_id("trace_id", trace_id)
    provider = get_trace_provider()
    if disabled or provider.disabled:
        return NoOpTrace(workflow_name, group_id, metadata)
    provider.ensure_defaults()
    return Trace(workflow_name, trace_id or new_trace_id(), group_id, metadata, provider.processor)


def create_span(
    span_data: TData,
    parent: Trace | Span[Any] | None = None,
    disabled: bool = False,
    span_id: str | None = None,
) -> Span[TData]:
    """Create a span holding `span_data` (not started).

    Args:
        span_data: What the span records; kept as is, so later changes to it are exported.
        parent: The trace or span to nest under; defaults to the current span, else the current
            trace.
        disabled: Record nothing for this span and the spans created inside it.
        span_id: Your own id (usually "span_" + hex); generated when None. Any string is kept;
            the OTel bridge maps it to a valid OTel span id deterministically.
    """
    span_id = _check_id("span_id", span_id)
    provider = get_trace_provider()
    if disabled or provider.disabled:
        return NoOpSpan(span_data)
    if parent is None:
        parent = current_span.get()
        if parent is None:
            parent = current_trace.get()
            if parent is None:
                return NoOpSpan(span_data)
    if isinstance(parent, Span):
        if isinstance(parent, NoOpSpan):
            return NoOpSpan(span_data)
        return Span(
            parent.trace_id, span_id or new_span_id(), parent.span_id, span_data, provider.processor
        )
    if isinstance(parent, NoOpTrace):
        return NoOpSpan(span_data)
    return Span(parent.trace_id, span_id or new_span_id(), None, span_data, provider.processor)


def agent_span(
    name: str,
    handoffs: list[str] | None = None,
    tools: list[str] | None = None,
    output_type: str | None = None,
    model: str | None = None,
    provider: str | None = None,
    parent: Trace | Span[Any] | None = None,
    disabled: bool = False,
    span_id: str | None = None,
) -> Span[AgentSpanData]:
    """A span for one agent's turns in a run (the seed's "Agent span")."""
    data = AgentSpanData(
        name=name,
        handoffs=handoffs if handoffs is not None else [],
        tools=tools if tools is not None else [],
        output_type=output_type,
        model=model,
        provider=provider,
    )
    return create_span(data, parent, disabled, span_id)


def generation_span(
    model: str | None = None,
    provider: str | None = None,
    model_config: dict[str, Any] | None = None,
    server_address: str | None = None,
    server_port: int | None = None,
    stream: bool = False,
    parent: Trace | Span[Any] | None = None,
    disabled: bool = False,
    span_id: str | None = None,
) -> Span[GenerationSpanData]:
    """A span for one model call; the runner fills input, output, usage and timings later."""
    data = GenerationSpanData(
        model=model,
        provider=provider,
        model_config=model_config if model_config is not None else {},
        server_address=server_address,
        server_port=server_port,
        stream=stream,
    )
    return create_span(data, parent, disabled, span_id)


def function_span(
    name: str,
    call_id: str | None = None,
    description: str | None = None,
    input: str | None = None,
    parent: Trace | Span[Any] | None = None,
    disabled: bool = False,
    span_id: str | None = None,
) -> Span[FunctionSpanData]:
    """A span for one tool call; the runner fills its output later."""
    data = FunctionSpanData(name=name, call_id=call_id, description=description, input=input)
    return create_span(data, parent, disabled, span_id)


def guardrail_span(
    name: str,
    kind: Literal["input", "output"] = "input",
    triggered: bool = False,
    parent: Trace | Span[Any] | None = None,
    disabled: bool = False,
    span_id: str | None = None,
) -> Span[GuardrailSpanData]:
    """A span for one guardrail check; set `span_data.triggered` when its tripwire fires."""
    return create_span(
        GuardrailSpanData(name=name, kind=kind, triggered=triggered), parent, disabled, span_id
    )


def handoff_span(
    from_agent: str | None = None,
    to_agent: str | None = None,
    parent: Trace | Span[Any] | None = None,
    disabled: bool = False,
    span_id: str | None = None,
) -> Span[HandoffSpanData]:
    """A span for one handoff; set `span_data.to_agent` once the target is known."""
    return create_span(
        HandoffSpanData(from_agent=from_agent, to_agent=to_agent), parent, disabled, span_id
    )


def custom_span(
    name: str,
    data: dict[str, Any] | None = None,
    sensitive: bool = False,
    parent: Trace | Span[Any] | None = None,
    disabled: bool = False,
    span_id: str | None = None,
) -> Span[CustomSpanData]:
    """Your own span: `with custom_span("step", data={...}):` nests it under the current span.

    Args:
        name: The span's name.
        data: JSON-ready data to attach (the dict is kept, so you may add to it until it ends).
        sensitive: Treat `data` as content that exporters drop unless content capture is on.
        parent: The trace or span to nest under; defaults to the current span, else the trace.
        disabled: Record nothing for this span and the spans created inside it.
    """
    span_data = CustomSpanData(
        name=name, data=data if data is not None else {}, sensitive=sensitive
    )
    return create_span(span_data, parent, disabled, span_id)
