"""Property tests: the stream parsers and the attribute mapping take arbitrary text and data.

- `ResponseStreamBuilder` (models/_responses_events.py): any sequence of deltas and items gives
  a well-formed Responses event sequence whose deltas add up to the final response.
- `ChatStreamConverter` (models/openai_chat.py): any chunks a server could send (built the way
  the openai client builds them, without validation) give that too, or a `ModelBehaviorError`;
  never another exception.
- `otel/mapping.py`: any span data maps to valid OTel attribute values without raising; through
  the bridge, every string is UTF-8-encodable, within the length limit, and the OTLP encoding
  of the spans succeeds.

Three inputs the bridge once mishandled have their own tests in test_bad_input.py rather than a
place in these strategies: dict keys that are not strings, ints beyond int64, lone surrogates in
attribute keys.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openai._models import construct_type
from openai.types.chat import ChatCompletionChunk
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.trace import SpanLimits, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otel_agents import pricing
from otel_agents.exceptions import ModelBehaviorError
from otel_agents.models._responses_events import ResponseStreamBuilder
from otel_agents.models.openai_chat import ChatStreamConverter
from otel_agents.otel import OTelTracingProcessor, mapping
from otel_agents.tracing import (
    AgentSpanData,
    CustomSpanData,
    FunctionSpanData,
    GenerationSpanData,
    GuardrailSpanData,
    HandoffSpanData,
    SpanData,
    SpanError,
    create_span,
    get_trace_provider,
    trace,
)

INT64 = (-(2**63), 2**63 - 1)
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Any code point, lone surrogates included (hypothesis leaves them out by default).
text = st.text(st.characters(codec=None, exclude_categories=()), max_size=30)
short = st.text(st.characters(codec=None, exclude_categories=()), max_size=8)
key = st.text(st.characters(codec="utf-8"), max_size=8)  # attribute keys: no lone surrogates
ints = st.integers(*INT64)
leaf = st.none() | st.booleans() | ints | st.floats() | text
json_like = st.recursive(
    leaf,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)


class Opaque:
    def __repr__(self) -> str:
        return "<Opaque>"


odd = st.sampled_from([Opaque(), {1, 2}, b"\xff\xfe", (1, "a"), frozenset()])
data_value = st.recursive(
    leaf | odd,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)


# --- ResponseStreamBuilder ------------------------------------------------------------------

builder_op = st.one_of(
    st.tuples(st.just("text"), text),
    st.tuples(st.just("refusal"), text),
    st.tuples(st.just("call"), text, text),
    st.tuples(st.just("args"), text),
    st.tuples(st.just("close")),
)


@PROPERTY
@given(ops=st.lists(builder_op, max_size=25), incomplete=st.booleans())
def test_the_stream_builder_turns_any_deltas_into_a_well_formed_response(
    ops: list[tuple[Any, ...]], incomplete: bool
) -> None:
    ids = iter(range(10**6))
    builder = ResponseStreamBuilder(
        response_id="resp", model="m", new_item_id=lambda kind: f"{kind}_{next(ids)}"
    )
    events = builder.start()
    open_kind: str | None = None
    for op in ops:
        if op[0] in ("text", "refusal"):
            events += (builder.text_delta if op[0] == "text" else builder.refusal_delta)(op[1])
            open_kind = "message"
        elif op[0] == "call":
            events += builder.function_call(call_id=op[1], name=op[2])
            open_kind = "function_call"
        elif op[0] == "args" and open_kind == "function_call":
            events += builder.arguments_delta(op[1])
        elif op[0] == "close":
            events += builder.close_item()
            open_kind = None
    events += builder.finish(None, incomplete_reason="max_output_tokens" if incomplete else None)
    check_event_sequence(events)


def check_event_sequence(events: list[Any]) -> None:
    """Numbered in order, bracketed by created/completed, items never interleaved, and the
    deltas of each item add up to what the final response holds."""
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert [e.type for e in events[:2]] == ["response.created", "response.in_progress"]
    assert events[-1].type == "response.completed"
    assert [e.type for e in events].count("response.completed") == 1
    response = events[-1].response
    texts: dict[int, list[str]] = {}
    arguments: dict[int, list[str]] = {}
    open_index: int | None = None
    added = 0
    for event in events[2:-1]:
        if event.type == "response.output_item.added":
            assert open_index is None, "items interleave"
            open_index = event.output_index
            assert open_index == added
            added += 1
        elif event.type == "response.output_item.done":
            assert event.output_index == open_index
            assert event.item == response.output[open_index]
            open_index = None
        elif event.type in ("response.output_text.delta", "response.refusal.delta"):
            assert event.output_index == open_index
            texts.setdefault(open_index, []).append(event.delta)
        elif event.type == "response.function_call_arguments.delta":
            assert event.output_index == open_index
            arguments.setdefault(open_index, []).append(event.delta)
    assert open_index is None and added == len(response.output)
    for index, item in enumerate(response.output):
        if item.type == "message":
            parts = "".join(
                getattr(p, "text", None) or getattr(p, "refusal", "") for p in item.content
            )
            assert parts == "".join(texts.get(index, []))
        else:
            assert item.arguments == "".join(arguments.get(index, []))


# --- ChatStreamConverter --------------------------------------------------------------------

maybe_text = st.none() | text
tool_call_piece = st.fixed_dictionaries(
    {},
    optional={
        "index": st.none() | st.integers(0, 2),
        "id": maybe_text,
        "type": st.just("function"),
        "function": st.fixed_dictionaries(
            {}, optional={"name": maybe_text, "arguments": maybe_text}
        ),
    },
)
delta = st.fixed_dictionaries(
    {},
    optional={
        "role": st.just("assistant"),
        "content": maybe_text,
        "refusal": maybe_text,
        "tool_calls": st.none() | st.lists(tool_call_piece, max_size=2),
    },
)
choice = st.fixed_dictionaries(
    {"index": st.integers(0, 1), "delta": delta},
    optional={
        "finish_reason": st.none()
        | st.sampled_from(["stop", "length", "tool_calls", "content_filter", "function_call"])
    },
)
usage = st.fixed_dictionaries(
    {
        "prompt_tokens": st.integers(0, 10**6),
        "completion_tokens": st.integers(0, 10**6),
        "total_tokens": st.integers(0, 10**6),
    },
    optional={
        "prompt_tokens_details": st.none()
        | st.fixed_dictionaries({"cached_tokens": st.none() | st.integers(0, 9)}),
        "completion_tokens_details": st.none()
        | st.fixed_dictionaries({"reasoning_tokens": st.none() | st.integers(0, 9)}),
    },
)
chunk = st.fixed_dictionaries(
    {
        "id": text,
        "object": st.just("chat.completion.chunk"),
        "created": st.integers(0, 2**31),
        "model": text,
        "choices": st.lists(choice, max_size=2),
    },
    optional={"usage": st.none() | usage},
)


@PROPERTY
@given(chunks=st.lists(chunk, max_size=8))
def test_the_chat_stream_converter_gives_events_or_a_model_behavior_error(
    chunks: list[dict[str, Any]],
) -> None:
    converter = ChatStreamConverter("requested-model")
    events: list[Any] = []
    try:
        for raw in chunks:
            events += converter.feed(construct_type(type_=ChatCompletionChunk, value=raw))
        events += converter.finish()
    except ModelBehaviorError:
        return  # the documented way to say the stream cannot be followed
    check_event_sequence(events)
    content = "".join(
        c["delta"].get("content") or "" for raw in chunks for c in raw["choices"] if c["index"] == 0
    )
    said = "".join(
        "".join(getattr(p, "text", "") for p in item.content)
        for item in events[-1].response.output
        if item.type == "message"
    )
    assert said == content


@pytest.mark.parametrize(
    "delta",
    [
        pytest.param({"content": 5}, id="content-not-text"),
        pytest.param({"tool_calls": "nope"}, id="tool-calls-not-a-list"),
        pytest.param(
            {"tool_calls": [{"index": 0, "function": {"name": 7, "arguments": 3}}]},
            id="function-name-not-text",
        ),
        pytest.param({"tool_calls": [{"index": "x", "function": {"name": "f"}}]}, id="odd-index"),
    ],
)
def test_a_wrongly_typed_chunk_is_a_model_behavior_error_or_followed(delta: dict[str, Any]) -> None:
    raw = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": "stop"}],
    }
    converter = ChatStreamConverter("m")
    try:
        events = converter.feed(construct_type(type_=ChatCompletionChunk, value=raw))
        events += converter.finish()
    except ModelBehaviorError:
        return
    assert events[-1].type == "response.completed"


# --- the attribute mapping ------------------------------------------------------------------

names = st.lists(short, max_size=3)
input_item = st.one_of(
    st.fixed_dictionaries(
        {"role": st.sampled_from(["user", "system", "developer", "assistant"]), "content": text}
    ),
    st.fixed_dictionaries(
        {
            "role": st.sampled_from(["user", "assistant"]),
            "content": st.lists(
                st.fixed_dictionaries(
                    {"type": st.sampled_from(["input_text", "output_text", "refusal", "other"])},
                    optional={"text": text, "refusal": text},
                ),
                max_size=3,
            ),
        }
    ),
    st.fixed_dictionaries(
        {"type": st.just("function_call"), "call_id": text, "name": text, "arguments": text}
    ),
    st.fixed_dictionaries(
        {"type": st.just("function_call_output"), "call_id": text, "output": text | json_like}
    ),
    st.dictionaries(text, json_like, max_size=3),
)
span_data = st.one_of(
    st.builds(
        AgentSpanData,
        name=text,
        handoffs=names,
        tools=names,
        output_type=st.none() | text,
        model=st.none() | text,
        provider=st.none() | text,
        stream_events=st.dictionaries(text, st.integers(0, 10**6), max_size=3),
        run_outcome=st.none() | text,
    ),
    st.builds(
        GenerationSpanData,
        model=st.none() | text,
        provider=st.none() | text,
        model_config=st.dictionaries(
            text | st.sampled_from(["temperature", "max_tokens", "stop", "n", "seed", "top_p"]),
            json_like,
            max_size=4,
        ),
        server_address=st.none() | text,
        server_port=st.none() | st.integers(0, 65535),
        stream=st.booleans(),
        system_instructions=st.none() | text,
        input=st.none() | st.lists(input_item, max_size=4),
        output=st.none() | st.lists(input_item, max_size=3),
        usage=st.none()
        | st.dictionaries(
            st.sampled_from(
                ["input_tokens", "output_tokens", "cached_input_tokens", "reasoning_tokens"]
            ),
            ints,
        ),
        response_id=st.none() | text,
        response_model=st.none() | text,
        finish_reasons=names,
        time_to_first_chunk=st.none() | st.floats(0, 100),
        chunk_count=st.integers(0, 10**6),
        output_chunk_count=st.integers(0, 10**6),
    ),
    st.builds(
        FunctionSpanData,
        name=text,
        call_id=st.none() | text,
        description=st.none() | text,
        input=st.none() | text,
        output=data_value,
    ),
    st.builds(HandoffSpanData, from_agent=st.none() | text, to_agent=st.none() | text),
    st.builds(
        GuardrailSpanData,
        name=text,
        kind=st.sampled_from(["input", "output"]),
        triggered=st.booleans(),
    ),
    st.builds(
        CustomSpanData,
        name=text,
        data=st.dictionaries(key, data_value, max_size=4),
        sensitive=st.booleans(),
    ),
)
errors = st.none() | st.builds(
    SpanError,
    message=text,
    data=st.none() | st.dictionaries(text, json_like, max_size=3),
    type=st.none() | text,
)


def valid_attribute(value: Any) -> bool:
    """What OTLP can carry: a primitive, or a sequence of one primitive type; ints are int64."""
    if isinstance(value, (bool, str, float)):
        return True
    if isinstance(value, int):
        return INT64[0] <= value <= INT64[1]
    if isinstance(value, (list, tuple)):
        kinds = {type(v) for v in value}
        return len(kinds) <= 1 and all(valid_attribute(v) for v in value)
    return False


@PROPERTY
@given(
    data=span_data,
    error=errors,
    include_content=st.booleans(),
    limit=st.integers(1, 5000),
    conversation=st.none() | text,
)
def test_the_mapping_gives_valid_attribute_values_for_any_span_data(
    data: SpanData,
    error: SpanError | None,
    include_content: bool,
    limit: int,
    conversation: str | None,
) -> None:
    start = mapping.span_start(data, conversation_id=conversation)
    end = mapping.span_end(data, on_span=include_content, on_event=include_content, limit=limit)
    events = mapping.end_events(data, end, details=True)
    attributes = [start.attributes, end.attributes, end.content]
    attributes += [
        a for name, _, a in events if name != "gen_ai.client.inference.operation.details"
    ]
    if error is not None:
        attributes.append(
            mapping.error_info(error, include_content=include_content, limit=limit).event
        )
    for attrs in attributes:
        for key, value in attrs.items():
            assert isinstance(key, str)
            assert valid_attribute(value), (key, value)
    for name, value in end.content.items():  # messages, instructions, tool args/results
        if name.startswith("gen_ai."):
            assert isinstance(value, str) and len(value) <= limit, (name, value)


@pytest.fixture(scope="module")
def bridged() -> Iterator[InMemorySpanExporter]:
    """The bridge with content capture on and a 256-character limit, as the only processor."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider(span_limits=SpanLimits(max_attribute_length=256))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace_provider = get_trace_provider()
    state = trace_provider.snapshot()
    trace_provider.set_processors([OTelTracingProcessor(provider, capture_content=True)])
    # Random model names have no price: that one log line per model is by design (test_cost.py).
    pricing.set_price_hook(lambda model, provider: pricing.Price(input_mtok=1, output_mtok=1))
    trace_provider.set_disabled(False)
    yield exporter
    pricing.clear_prices()
    trace_provider.restore(state)
    provider.shutdown()


@settings(
    max_examples=150,
    deadline=None,
    # caplog is cleared for every example
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    data=span_data,
    error=errors,
    # A name from the app: the trace is a workflow span (a default-named one may be none).
    workflow=text.filter(lambda w: w not in ("", "Agent workflow")),
    group=st.none() | text,
    metadata=st.none()
    | st.dictionaries(st.sampled_from(["a", "b", "user"]), data_value, max_size=3),
)
def test_through_the_bridge_any_span_exports_bounded_and_encodable(
    bridged: InMemorySpanExporter,
    caplog: pytest.LogCaptureFixture,
    data: SpanData,
    error: SpanError | None,
    workflow: str,
    group: str | None,
    metadata: dict[str, Any] | None,
) -> None:
    bridged.clear()
    caplog.clear()
    with caplog.at_level(logging.WARNING), trace(workflow, group_id=group, metadata=metadata):
        span = create_span(data)
        span.start()
        if error is not None:
            span.set_error(error)
        span.finish()
    spans = bridged.get_finished_spans()
    assert len(spans) == 2
    for exported in spans:
        values = list((exported.attributes or {}).values())
        values += [v for e in exported.events for v in (e.attributes or {}).values()]
        values.append(exported.status.description or "")
        for value in values:
            for item in value if isinstance(value, (list, tuple)) else [value]:
                if isinstance(item, str):
                    assert len(item) <= 256
                    item.encode("utf-8")
        exported.name.encode("utf-8")
    encode_spans(spans).SerializeToString()
    assert not [r.getMessage() for r in caplog.records], "the bridge or the encoder complained"
