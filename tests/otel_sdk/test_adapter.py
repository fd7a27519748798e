"""How the SDK's own span types, ids, times and errors come out (SDK spans made directly)."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

import agents as sdk
import pytest
from agents.tracing import generation_span, mcp_tools_span, speech_span

import otel_agents as ours
from otel._trees import Pipeline
from otel_agents.models import ScriptedModel, fail, say
from otel_agents.otel.openai_agents_data import iso_ns
from otel_agents.otel.parenting import otel_span_id

from .conftest import Bridge
from .scenarios import Options, run_sdk
from .sdk_model import SdkScriptedModel


class Keep(sdk.TracingProcessor):
    """Keeps the SDK's span objects (to compare ids and times with what was exported)."""

    def __init__(self) -> None:
        self.spans: list[Any] = []
        self.trace_ids: list[str] = []

    def on_trace_start(self, trace: Any) -> None:
        self.trace_ids.append(trace.trace_id)

    def on_trace_end(self, trace: Any) -> None:
        pass

    def on_span_start(self, span: Any) -> None:
        pass

    def on_span_end(self, span: Any) -> None:
        self.spans.append(span)

    def shutdown(self) -> None:
        pass

    def force_flush(self) -> None:
        pass


async def test_ids_map_deterministically_and_times_are_the_sdks(
    sdk_bridge: Bridge, pipeline: Pipeline
) -> None:
    sdk_bridge()
    keep = Keep()
    sdk.add_trace_processor(keep)
    await run_sdk(Options(turn_spans=False))
    exported = {
        s.attributes["otel_agents.span_id"]: s
        for s in pipeline.exporter.get_finished_spans()
        if "otel_agents.span_id" in s.attributes
    }
    assert len(exported) == len(keep.spans) == 10
    for span in keep.spans:
        otel = exported[span.span_id]
        assert len(span.span_id) == 5 + 24
        assert otel.context.span_id == otel_span_id(span.span_id)
        assert otel.start_time == iso_ns(span.started_at)
        assert otel.end_time == iso_ns(span.ended_at)
    assert {f"trace_{s.context.trace_id:032x}" for s in exported.values()} == set(keep.trace_ids)


def test_span_ids_map_to_16_hex_deterministically() -> None:
    sdk_id = "span_0123456789abcdef01234567"
    assert otel_span_id(sdk_id) == otel_span_id(sdk_id) != otel_span_id(sdk_id[:-1] + "8")
    assert 0 < otel_span_id(sdk_id) < 2**64
    assert otel_span_id("span_00000000000000ff") == 0xFF  # ours: the hex digits themselves
    assert iso_ns("2026-11-25T03:28:33.226681+00:00") == 1795577313226681000
    assert iso_ns(datetime(2026, 1, 1).isoformat()) == 1767225600000000000  # naive: UTC


async def test_our_runner_span_ids_are_the_otel_span_ids(
    our_bridge: Bridge, our_pipeline: Pipeline
) -> None:
    our_bridge()
    agent = ours.Agent(name="A", model=ScriptedModel(["hi"]))
    await ours.Runner.run(agent, "hello")
    for span in our_pipeline.exporter.get_finished_spans():
        if "otel_agents.span_id" in span.attributes:
            assert f"span_{span.context.span_id:016x}" == span.attributes["otel_agents.span_id"]


def test_chat_completions_and_litellm_generation_spans(
    sdk_bridge: Bridge, pipeline: Pipeline
) -> None:
    sdk_bridge()
    with sdk.trace("wf"):
        with generation_span(
            model="gpt-4o",
            model_config={"temperature": 0.2, "base_url": "https://api.openai.com/v1/"},
        ) as span:
            span.span_data.usage = {"input_tokens": 3, "output_tokens": 2}
            span.span_data.output = [
                {"object": "response", "id": "resp_1", "model": "gpt-4o-2024", "output": []}
            ]
        with generation_span(
            model="anthropic/claude-x",
            model_config={"base_url": "http://localhost:4000", "model_impl": "litellm"},
        ):
            pass
    openai = pipeline.span("chat gpt-4o").attributes
    assert openai["gen_ai.provider.name"] == "openai"
    assert openai["server.address"] == "api.openai.com"
    assert openai["server.port"] == 443
    assert openai["gen_ai.request.temperature"] == 0.2
    assert "gen_ai.request.stream" not in openai  # not made inside Model.stream_response
    assert openai["gen_ai.usage.input_tokens"] == 3
    assert openai["gen_ai.response.id"] == "resp_1"
    assert openai["gen_ai.response.model"] == "gpt-4o-2024"
    litellm = pipeline.span("chat anthropic/claude-x").attributes
    assert litellm["gen_ai.provider.name"] == "anthropic"
    assert (litellm["server.address"], litellm["server.port"]) == ("localhost", 4000)


def test_mcp_and_speech_spans_keep_their_names_and_no_content(
    sdk_bridge: Bridge, pipeline: Pipeline
) -> None:
    sdk_bridge()
    with sdk.trace("wf"):
        with mcp_tools_span(server="weather", result=["forecast", "alerts"]):
            pass
        with speech_span(model="tts-1", input="SECRET-SPOKEN-TEXT"):
            pass
    mcp = pipeline.span("mcp tools/list weather").attributes
    assert mcp["otel_agents.custom.server"] == "weather"
    assert list(mcp["otel_agents.custom.tools"]) == ["forecast", "alerts"]
    speech = pipeline.span("speech")
    assert "SECRET-SPOKEN-TEXT" not in repr(dict(speech.attributes or {}))


@pytest.mark.parametrize(
    ("step", "outcome", "error_type"),
    [
        (say("done"), "success", None),
        (fail(RuntimeError("model down")), "error", "RuntimeError"),
    ],
    ids=["success", "model-error"],
)
async def test_run_outcome_on_the_last_agent_span(
    step: Any, outcome: str, error_type: str | None, sdk_bridge: Bridge, pipeline: Pipeline
) -> None:
    sdk_bridge()
    agent: sdk.Agent[Any] = sdk.Agent(name="A", model=SdkScriptedModel(ScriptedModel([step])))
    with contextlib.suppress(RuntimeError):
        await sdk.Runner.run(agent, "hi")
    span = pipeline.span("invoke_agent A")
    assert span.attributes["otel_agents.run.outcome"] == outcome
    assert span.attributes.get("error.type") == error_type
    assert pipeline.points("otel_agents.runs")[0][0]["otel_agents.run.outcome"] == outcome


async def test_max_turns_is_typed_and_counted(sdk_bridge: Bridge, pipeline: Pipeline) -> None:
    from otel_agents.models import call_tool

    @sdk.function_tool
    def ping() -> str:
        """Ping."""
        return "pong"

    sdk_bridge()
    script = ScriptedModel([call_tool("ping"), call_tool("ping")])
    agent: sdk.Agent[Any] = sdk.Agent(name="A", tools=[ping], model=SdkScriptedModel(script))
    with pytest.raises(sdk.MaxTurnsExceeded):
        await sdk.Runner.run(agent, "hi", max_turns=1)
    span = pipeline.span("invoke_agent A")
    assert span.attributes["otel_agents.run.outcome"] == "max_turns"
    assert span.attributes["error.type"] == "agents.exceptions.MaxTurnsExceeded"


async def test_an_exception_the_app_is_handling_is_not_blamed_on_the_run(
    sdk_bridge: Bridge, pipeline: Pipeline
) -> None:
    sdk_bridge()
    try:
        raise KeyError("the app's own")
    except KeyError:
        await run_sdk()  # the SDK's spans end while the app's KeyError is being handled
    support = pipeline.span("invoke_agent Support").attributes
    assert support["otel_agents.run.outcome"] == "success"
    assert pipeline.span("execute_tool refund").attributes["error.type"] == "_OTHER"
