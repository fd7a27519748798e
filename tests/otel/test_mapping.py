"""Pure mapping: span data -> OTel span name, kind and attributes (no SDK involved)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from opentelemetry._logs import SeverityNumber
from opentelemetry.trace import SpanKind

from otel_agents.otel import mapping
from otel_agents.otel import semconv as sc
from otel_agents.tracing import (
    AgentSpanData,
    CustomSpanData,
    FunctionSpanData,
    GenerationSpanData,
    GuardrailSpanData,
    HandoffSpanData,
    SpanError,
)
from otel_agents.tracing.span_data import SpanData

LIMIT = 1000


class _Trace:
    """The attributes of a Trace the mapping reads."""

    trace_id = "trace_0123456789abcdef0123456789abcdef"
    name = "support"

    def __init__(self) -> None:
        self.group_id: str | None = "conv_1"
        self.metadata: dict[str, Any] | None = {
            "user": "u1",
            "tags": ["a", "b"],
            "nested": {"x": 1},
        }


def test_a_named_trace_becomes_an_invoke_workflow_root() -> None:
    trace = _Trace()
    start = mapping.workflow_start(
        trace.name, trace_id=trace.trace_id, conversation_id="conv_1", metadata=trace.metadata
    )
    assert (start.name, start.kind) == ("invoke_workflow support", SpanKind.INTERNAL)
    assert start.attributes == {
        "gen_ai.operation.name": "invoke_workflow",
        "gen_ai.workflow.name": "support",
        "otel_agents.trace_id": _Trace.trace_id,
        "gen_ai.conversation.id": "conv_1",
        "otel_agents.trace.metadata.user": "u1",
        "otel_agents.trace.metadata.tags": ["a", "b"],
        "otel_agents.trace.metadata.nested": '{"x":1}',
    }


def test_a_workflow_without_a_name_is_named_after_the_operation() -> None:
    start = mapping.workflow_start(None, trace_id="t", conversation_id=None, metadata=None)
    assert start.name == "invoke_workflow"
    assert "gen_ai.workflow.name" not in start.attributes


def test_conversation_id_only_when_a_group_id_exists() -> None:
    trace = _Trace()
    start = mapping.workflow_start(
        "w", trace_id=trace.trace_id, conversation_id=None, metadata=None
    )
    assert "gen_ai.conversation.id" not in start.attributes
    agent = mapping.span_start(AgentSpanData(name="A"), conversation_id=None)
    assert "gen_ai.conversation.id" not in agent.attributes


@pytest.mark.parametrize(
    ("data", "name", "kind", "expected"),
    [
        pytest.param(
            AgentSpanData(
                name="Triage", handoffs=["Support"], tools=["t"], model="m", provider="openai"
            ),
            "invoke_agent Triage",
            SpanKind.INTERNAL,
            {
                "gen_ai.operation.name": "invoke_agent",
                "gen_ai.agent.name": "Triage",
                "gen_ai.request.model": "m",
                "gen_ai.conversation.id": "g",
                "otel_agents.agent.tools": ["t"],
                "otel_agents.agent.handoffs": ["Support"],
            },
            id="agent",
        ),
        pytest.param(
            AgentSpanData(name="Typed", output_type="Answer"),
            "invoke_agent Typed",
            SpanKind.INTERNAL,
            {
                "gen_ai.operation.name": "invoke_agent",
                "gen_ai.agent.name": "Typed",
                "gen_ai.conversation.id": "g",
                "gen_ai.output.type": "json",
                "otel_agents.agent.output_type": "Answer",
            },
            id="agent-structured-output",
        ),
        pytest.param(
            GenerationSpanData(
                model="gpt-4o",
                provider="openai",
                server_address="api.openai.com",
                server_port=443,
                stream=True,
                model_config={"temperature": 0.2, "top_p": 1, "max_tokens": 100},
            ),
            "chat gpt-4o",
            SpanKind.CLIENT,
            {
                "gen_ai.operation.name": "chat",
                "gen_ai.request.stream": True,
                "gen_ai.provider.name": "openai",
                "gen_ai.request.model": "gpt-4o",
                "server.address": "api.openai.com",
                "server.port": 443,
                "gen_ai.conversation.id": "g",
                "gen_ai.output.type": "text",
                "gen_ai.request.temperature": 0.2,
                "gen_ai.request.top_p": 1.0,
                "gen_ai.request.max_tokens": 100,
            },
            id="generation",
        ),
        pytest.param(
            FunctionSpanData(name="lookup", call_id="call_1", description="Looks up"),
            "execute_tool lookup",
            SpanKind.INTERNAL,
            {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": "lookup",
                "gen_ai.tool.type": "function",
                "gen_ai.agent.name": "Support",
                "gen_ai.tool.call.id": "call_1",
                "gen_ai.tool.description": "Looks up",
                "gen_ai.conversation.id": "g",
            },
            id="function",
        ),
        pytest.param(
            HandoffSpanData(from_agent="Triage"),
            "handoff Triage",
            SpanKind.INTERNAL,
            {"gen_ai.conversation.id": "g", "otel_agents.handoff.from_agent": "Triage"},
            id="handoff",
        ),
        pytest.param(
            GuardrailSpanData(name="pii", kind="output"),
            "guardrail pii",
            SpanKind.INTERNAL,
            {
                "gen_ai.conversation.id": "g",
                "otel_agents.guardrail.name": "pii",
                "otel_agents.guardrail.kind": "output",
            },
            id="guardrail",
        ),
        pytest.param(
            CustomSpanData(name="db", data={"rows": 3}),
            "db",
            SpanKind.INTERNAL,
            {"gen_ai.conversation.id": "g"},
            id="custom",
        ),
    ],
)
def test_span_start(data: SpanData, name: str, kind: SpanKind, expected: dict[str, Any]) -> None:
    start = mapping.span_start(data, conversation_id="g", agent="Support", output_type="text")
    assert (start.name, start.kind, start.attributes) == (name, kind, expected)


def test_generation_without_model_is_named_after_the_operation() -> None:
    assert mapping.span_start(GenerationSpanData()).name == "chat"


def test_unknown_span_types_stay_visible() -> None:
    class Other(SpanData):
        @property
        def type(self) -> str:
            return "speech"

    assert mapping.span_start(Other()).name == "speech"


def test_generation_end_reads_late_fields() -> None:
    data = GenerationSpanData(
        model="m",
        stream=True,
        usage={
            "input_tokens": 10,
            "output_tokens": 5,
            "cached_input_tokens": 4,
            "reasoning_tokens": 2,
        },
        response_id="resp_1",
        response_model="m-2025",
        finish_reasons=["stop"],
        time_to_first_chunk=0.25,
        chunk_count=9,
        output_chunk_count=7,
    )
    end = mapping.span_end(data, on_span=False, on_event=False, limit=LIMIT)
    assert end.attributes == {
        "gen_ai.response.id": "resp_1",
        "gen_ai.response.model": "m-2025",
        "gen_ai.response.finish_reasons": ["stop"],
        "gen_ai.usage.input_tokens": 10,
        "gen_ai.usage.output_tokens": 5,
        "gen_ai.usage.cache_read.input_tokens": 4,
        "gen_ai.usage.reasoning.output_tokens": 2,
        "gen_ai.response.time_to_first_chunk": 0.25,
        "otel_agents.response.chunk_count": 9,
        "otel_agents.response.output_chunk_count": 7,
    }
    assert end.content == {}


def test_non_streamed_generation_has_no_stream_timings() -> None:
    data = GenerationSpanData(model="m", time_to_first_chunk=0.1)
    end = mapping.span_end(data, on_span=False, on_event=False, limit=LIMIT)
    assert "gen_ai.response.time_to_first_chunk" not in end.attributes


def test_handoff_is_renamed_when_the_target_is_known() -> None:
    end = mapping.span_end(
        HandoffSpanData(from_agent="Triage", to_agent="Support"),
        on_span=False,
        on_event=False,
        limit=LIMIT,
    )
    assert end.new_name == "handoff Triage -> Support"
    assert end.attributes == {"otel_agents.handoff.to_agent": "Support"}
    unresolved = mapping.span_end(
        HandoffSpanData(from_agent="T"), on_span=False, on_event=False, limit=9
    )
    assert unresolved.new_name is None and unresolved.attributes == {}


@pytest.mark.parametrize("triggered", [True, False], ids=["tripped", "passed"])
def test_guardrail_verdict_as_attributes_and_spec_event(triggered: bool) -> None:
    data = GuardrailSpanData(name="pii", kind="input", triggered=triggered)
    end = mapping.span_end(data, on_span=False, on_event=False, limit=LIMIT)
    verdict = {
        "gen_ai.guardrail.component.name": "pii",
        "gen_ai.guardrail.source": "input",
        "gen_ai.guardrail.result.type": "tripwire_triggered",
        "gen_ai.guardrail.result.value": "true" if triggered else "false",
    }
    assert end.attributes == {"otel_agents.guardrail.triggered": triggered, **verdict}
    events = mapping.end_events(data, end, details=False)
    assert events == [("gen_ai.guardrail.result", SeverityNumber.INFO, verdict)]


def test_agent_end_reports_the_run_outcome() -> None:
    end = mapping.span_end(
        AgentSpanData(name="A", run_outcome="max_turns"), on_span=False, on_event=False, limit=LIMIT
    )
    assert end.attributes == {"otel_agents.run.outcome": "max_turns"}


def test_custom_data_is_flattened_and_sensitive_data_is_content() -> None:
    data = {"s": "x", "n": 1, "f": 1.5, "b": True, "l": [1, 2], "mixed": [1, "a"], "d": {"k": 1}}
    end = mapping.span_end(
        CustomSpanData(name="c", data=data), on_span=False, on_event=False, limit=LIMIT
    )
    assert end.attributes == {
        "otel_agents.custom.s": "x",
        "otel_agents.custom.n": 1,
        "otel_agents.custom.f": 1.5,
        "otel_agents.custom.b": True,
        "otel_agents.custom.l": [1, 2],
        "otel_agents.custom.mixed": '[1,"a"]',
        "otel_agents.custom.d": '{"k":1}',
    }
    secret = CustomSpanData(name="c", data={"note": "secret"}, sensitive=True)
    assert mapping.span_end(secret, on_span=False, on_event=False, limit=LIMIT).attributes == {}
    assert mapping.span_end(secret, on_span=False, on_event=False, limit=LIMIT).content == {}
    captured = mapping.span_end(secret, on_span=True, on_event=True, limit=LIMIT)
    assert captured.content == {"otel_agents.custom.note": "secret"}
    assert captured.content_event == "otel_agents.custom.details"


def test_generation_content_in_the_spec_message_shapes() -> None:
    data = GenerationSpanData(
        model="m",
        system_instructions="Be brief.",
        input=[
            {"role": "user", "content": "Weather in Paris?"},
            {"type": "function_call", "call_id": "c1", "name": "weather", "arguments": '{"c":"P"}'},
            {"type": "function_call_output", "call_id": "c1", "output": "rainy"},
        ],
        output=[
            {
                "type": "message",
                "role": "assistant",
                "content": [{"type": "output_text", "text": "It rains."}],
            }
        ],
    )
    assert mapping.span_end(data, on_span=False, on_event=False, limit=LIMIT).content == {}
    end = mapping.span_end(data, on_span=True, on_event=True, limit=LIMIT)
    assert end.content_event == "gen_ai.client.inference.operation.details"
    content = {k: json.loads(str(v)) for k, v in end.content.items()}
    assert content == end.event_content  # JSON strings on the span, structured on the event
    assert content == {
        "gen_ai.system_instructions": [{"type": "text", "content": "Be brief."}],
        "gen_ai.input.messages": [
            {"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]},
            {
                "role": "assistant",
                "parts": [
                    {"type": "tool_call", "id": "c1", "name": "weather", "arguments": {"c": "P"}}
                ],
            },
            {
                "role": "tool",
                "parts": [{"type": "tool_call_response", "id": "c1", "response": "rainy"}],
            },
        ],
        "gen_ai.output.messages": [
            {"role": "assistant", "parts": [{"type": "text", "content": "It rains."}]}
        ],
    }


def test_tool_content_only_when_asked() -> None:
    data = FunctionSpanData(name="t", call_id="c", input='{"q": "x"}', output={"ok": True})
    assert mapping.span_end(data, on_span=False, on_event=False, limit=LIMIT).content == {}
    end = mapping.span_end(data, on_span=True, on_event=True, limit=LIMIT)
    assert end.content == {
        "gen_ai.tool.call.arguments": '{"q": "x"}',
        "gen_ai.tool.call.result": '{"ok":true}',
    }
    assert end.content_event == "otel_agents.tool.call.details"


def test_huge_content_stays_valid_json_within_the_limit() -> None:
    big = "x" * 50_000
    data = FunctionSpanData(name="t", input=json.dumps({"q": big}), output=big)
    end = mapping.span_end(data, on_span=True, on_event=True, limit=2000)
    arguments = str(end.content["gen_ai.tool.call.arguments"])
    assert len(arguments) <= 2000
    assert json.loads(arguments)["q"].startswith("xxx")
    assert len(str(end.content["gen_ai.tool.call.result"])) <= 2000


@pytest.mark.parametrize(
    ("model_config", "expected"),
    [
        pytest.param({}, {}, id="empty"),
        pytest.param(
            {"temperature": 1, "max_tokens": 5, "seed": 7, "frequency_penalty": 0.5},
            {
                "gen_ai.request.temperature": 1.0,
                "gen_ai.request.max_tokens": 5,
                "gen_ai.request.seed": 7,
                "gen_ai.request.frequency_penalty": 0.5,
            },
            id="numbers",
        ),
        pytest.param(
            {"tool_choice": "auto", "parallel_tool_calls": False},
            {
                "otel_agents.request.tool_choice": "auto",
                "otel_agents.request.parallel_tool_calls": False,
            },
            id="tool-settings",
        ),
        pytest.param(
            {"stop": "END", "n": 1},
            {"gen_ai.request.stop_sequences": ["END"]},
            id="stop-and-single-choice",
        ),
        pytest.param({"n": 3}, {"gen_ai.request.choice.count": 3}, id="choices"),
        pytest.param(
            {"temperature": True, "max_tokens": "many", "tool_choice": {"type": "x"}},
            {},
            id="wrong-types-ignored",
        ),
    ],
)
def test_request_attributes(model_config: dict[str, Any], expected: dict[str, Any]) -> None:
    assert mapping.request_attributes(model_config) == expected


@pytest.mark.parametrize(
    ("include_content", "description", "event"),
    [
        pytest.param(False, "ValueError", {"exception.type": "ValueError"}, id="capture-off"),
        pytest.param(
            True,
            "bad query 42",
            {
                "exception.type": "ValueError",
                "exception.message": "bad query 42",
                "otel_agents.error.data": '{"tool":"t"}',
            },
            id="capture-on",
        ),
    ],
)
def test_error_message_is_content(
    include_content: bool, description: str, event: dict[str, Any]
) -> None:
    error = SpanError(message="bad query 42", data={"tool": "t"}, type="ValueError")
    info = mapping.error_info(error, include_content=include_content, limit=LIMIT)
    assert (info.error_type, info.description, info.event) == ("ValueError", description, event)


def test_error_without_type_is_other() -> None:
    info = mapping.error_info(SpanError(message="m"), include_content=False, limit=LIMIT)
    assert info.error_type == sc.ERROR_TYPE_OTHER == "_OTHER"


def test_a_failed_tool_has_arguments_but_no_result() -> None:
    data = FunctionSpanData(name="t", call_id="c", input='{"q": "x"}', output="boom")
    end = mapping.span_end(data, on_span=True, on_event=True, limit=LIMIT, failed=True)
    assert end.content == {"gen_ai.tool.call.arguments": '{"q": "x"}'}


@pytest.mark.parametrize(
    ("agent_output_type", "expected"),
    [(None, "text"), ("str", "text"), ("Answer", "json")],
    ids=["none", "sdk-str", "structured"],
)
def test_output_type_of_an_agent(agent_output_type: str | None, expected: str) -> None:
    assert mapping.output_type(agent_output_type) == expected


def test_model_call_details_event_is_structured_and_carries_late_fields() -> None:
    data = GenerationSpanData(
        model="m", input=[{"role": "user", "content": "hi"}], usage={"input_tokens": 3}
    )
    end = mapping.span_end(data, on_span=False, on_event=True, limit=LIMIT)
    assert end.content == {}
    [(name, severity, attrs)] = mapping.end_events(data, end, details=True)
    assert (name, severity) == ("gen_ai.client.inference.operation.details", SeverityNumber.DEBUG)
    assert attrs["gen_ai.usage.input_tokens"] == 3
    assert attrs["gen_ai.input.messages"] == [
        {"role": "user", "parts": [{"type": "text", "content": "hi"}]}
    ]
    assert mapping.end_events(data, end, details=False) == []
