"""Bad input ends in a clear error or a recorded span error, never a crash or a hang, and what
is exported stays exportable: unknown tools, malformed arguments, results JSON cannot encode,
huge prompts and outputs (attribute length limits), lone surrogates, agent graphs that loop.

Exportability is checked on the wire: spans go through the real OTLP/HTTP exporter to the local
receiver, which must get every span that ended (an encoding failure drops a whole batch).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.trace import SpanLimits
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otel_agents import (
    Agent,
    MaxTurnsExceeded,
    ModelBehaviorError,
    Runner,
    function_tool,
)
from otel_agents.models import ScriptedModel, call_tool, say, transfer_to
from otel_agents.otel import CaptureMode, configure, setup
from otel_agents.otel.capture import DEFAULT_MAX_CONTENT_LENGTH
from otel_agents.tracing import custom_span, trace
from support.otlp_receiver import OTLPReceiver, ReceivedSpan
from support.tracing_recorder import RecordingProcessor

from ._support import Pipeline, assert_nothing_current, lookup, otlp_trace_pipeline
from .conftest import Bridge


async def run_or_stream(agent: Agent[Any], prompt: str, stream: bool, **kwargs: Any) -> Any:
    """The final output of a run, awaited or streamed; never waits more than 10 s."""

    async def go() -> Any:
        if not stream:
            return (await Runner.run(agent, prompt, **kwargs)).final_output
        result = Runner.run_streamed(agent, prompt, **kwargs)
        async for _ in result.stream_events():
            pass
        return result.final_output

    return await asyncio.wait_for(go(), 10)


def encoder_failures(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if "encode" in r.getMessage().lower() or "surrogates" in r.getMessage()
    ]


STREAM = pytest.mark.parametrize("stream", [False, True], ids=["run", "streamed"])


# --- the model asks for something impossible --------------------------------------------------


@STREAM
async def test_an_unknown_tool_is_a_clear_error_recorded_on_the_agent_span(
    bridge: Bridge, pipeline: Pipeline, stream: bool
) -> None:
    recorder = RecordingProcessor()
    bridge(recorder)
    agent = Agent(name="Solo", tools=[lookup], model=ScriptedModel([call_tool("rm_rf", {})]))
    with pytest.raises(ModelBehaviorError, match="'rm_rf'.*lookup"):
        await run_or_stream(agent, "hi", stream)
    recorder.assert_well_formed()
    [agent_span] = recorder.spans_of_type("agent")
    assert agent_span.error is not None
    assert agent_span.error.type == "otel_agents.exceptions.ModelBehaviorError"
    exported = next(s for s in pipeline.spans if s.name == "invoke_agent Solo")
    assert exported.status.status_code.name == "ERROR"
    assert (exported.attributes or {})["error.type"] == agent_span.error.type
    assert_nothing_current()


@pytest.mark.parametrize(
    ("arguments", "told"),
    [
        ('{"key": ', "not valid JSON"),
        ("[1, 2]", "not an object"),
        ("{}", "do not match its schema"),
        ('{"key": "\\ud800"}', None),  # valid JSON holding a lone surrogate: the tool runs
    ],
    ids=["not-json", "not-an-object", "missing-field", "lone-surrogate"],
)
async def test_malformed_tool_arguments_go_back_to_the_model_and_the_run_goes_on(
    bridge: Bridge, arguments: str, told: str | None
) -> None:
    recorder = RecordingProcessor()
    bridge(recorder)
    model = ScriptedModel([call_tool("lookup", arguments), "done"])
    agent = Agent(name="Solo", tools=[lookup], model=model)
    assert await run_or_stream(agent, "hi", stream=False) == "done"
    recorder.assert_well_formed()
    [tool_span] = recorder.spans_of_type("function")
    tool_output = tool_outputs(model)[0]
    if told is None:
        assert tool_span.error is None and tool_output == "value-\ud800"
    else:
        assert tool_span.error is not None
        assert tool_span.error.type == "otel_agents.exceptions.ModelBehaviorError"
        assert told in tool_output and "lookup" in tool_output


def tool_outputs(model: ScriptedModel) -> list[Any]:
    """The tool outputs the model was shown on its last call."""
    items = model.requests[-1].input
    return [item["output"] for item in items if item.get("type") == "function_call_output"]


# --- what the run hands to the exporter is odd ----------------------------------------------


class Opaque:
    def __repr__(self) -> str:
        return "<Opaque>"


def _recursive() -> list[Any]:
    loop: list[Any] = [1]
    loop.append(loop)
    return loop


ODD_RESULTS: dict[str, Callable[[], Any]] = {
    "object": Opaque,
    "set": lambda: {1, 2},
    "bytes-not-utf8": lambda: b"\xff\xfe\x00",
    "tuple-keys": lambda: {(1, 2): "a"},
    "recursive": _recursive,
    "nan": lambda: float("nan"),
    "big-int": lambda: 2**80,
}


@pytest.mark.parametrize("capture", [False, True], ids=["capture-off", "capture-on"])
@pytest.mark.parametrize("make", list(ODD_RESULTS.values()), ids=list(ODD_RESULTS))
async def test_tool_results_json_cannot_encode_are_sent_as_text_and_exported(
    otlp_receiver: OTLPReceiver,
    bridge: Bridge,
    pipeline: Pipeline,
    caplog: pytest.LogCaptureFixture,
    make: Callable[[], Any],
    capture: bool,
) -> None:
    caplog.set_level(logging.WARNING)

    @function_tool
    def odd() -> Any:
        """Returns something odd."""
        return make()

    otlp = otlp_trace_pipeline(otlp_receiver.http_endpoint, pipeline.meter_provider)
    try:
        bridge(tracer_provider=otlp.tracer_provider, capture_content=capture)
        model = ScriptedModel([call_tool("odd"), "done"])
        agent = Agent(name="Solo", tools=[odd], model=model)
        assert await run_or_stream(agent, "hi", stream=False) == "done"
        assert isinstance(tool_outputs(model)[0], str)
        otlp.batch.force_flush()
        produced = len(otlp.produced.get_finished_spans())
        assert len(otlp_receiver.wait_for_spans(count=produced)) == produced
        assert encoder_failures(caplog) == []
    finally:
        otlp.close()


LIMIT = 4096
HUGE = 2_000_000


@pytest.mark.parametrize("limit_from", ["span-limits", "environment", "no-limit-set"])
async def test_huge_prompts_and_outputs_are_bounded_by_the_attribute_length_limit(
    otlp_receiver: OTLPReceiver,
    bridge: Bridge,
    pipeline: Pipeline,
    monkeypatch: pytest.MonkeyPatch,
    limit_from: str,
) -> None:
    limits = None
    if limit_from == "span-limits":
        limits = SpanLimits(max_attribute_length=LIMIT)
    elif limit_from == "environment":
        monkeypatch.setenv("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", str(LIMIT))
    bound = DEFAULT_MAX_CONTENT_LENGTH if limit_from == "no-limit-set" else LIMIT
    prompt = "p" * HUGE

    @function_tool
    def dump(size: int) -> str:
        """Returns a lot of text.

        Args:
            size: How much.
        """
        with custom_span("dump", data={"blob": "d" * size, "note": "n" * size}):
            pass
        return "r" * size

    otlp = otlp_trace_pipeline(otlp_receiver.http_endpoint, pipeline.meter_provider, limits)
    try:
        bridge(tracer_provider=otlp.tracer_provider, capture_content=CaptureMode.SPAN_AND_EVENT)
        model = ScriptedModel([call_tool("dump", {"size": HUGE}), say("o" * HUGE)])
        agent = Agent(name="Solo", instructions="i" * HUGE, tools=[dump], model=model)
        assert await run_or_stream(agent, prompt, stream=False) == "o" * HUGE
        assert model.requests[0].input[0]["content"] == prompt  # the run itself is unchanged
        otlp.batch.force_flush()
        produced = len(otlp.produced.get_finished_spans())
        spans = otlp_receiver.wait_for_spans(count=produced)
    finally:
        otlp.close()
    values = [v for s in spans for v in _strings(s)]
    assert max(len(v) for v in values) <= bound
    chat = next(s for s in spans if s.name.startswith("chat"))
    for key in ("gen_ai.input.messages", "gen_ai.system_instructions", "gen_ai.output.messages"):
        json.loads(chat.attributes[key])  # shortened, still valid JSON
    wire = sum(len(r.payload) for r in otlp_receiver.requests)
    assert wire < 40 * bound + 100_000, f"{wire} bytes exported for {HUGE}-character content"


def _strings(span: ReceivedSpan) -> list[str]:
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)

    walk(span.attributes)
    for event in span.events:
        walk(event.attributes)
    walk(span.status_message)
    return found


@pytest.mark.parametrize(
    ("capture", "in_keys"),
    [
        (False, False),
        (True, False),
        pytest.param(False, True),
    ],
    ids=["capture-off", "capture-on", "in-attribute-keys"],
)
async def test_lone_surrogates_everywhere_never_break_export(
    otlp_receiver: OTLPReceiver,
    bridge: Bridge,
    caplog: pytest.LogCaptureFixture,
    capture: bool,
    in_keys: bool,
) -> None:
    caplog.set_level(logging.WARNING)
    bad = "x\ud800y\udcff"
    attr_key = bad if in_keys else "key"

    @function_tool
    def odd_tool(key: str) -> str:
        """A tool whose argument, result, spans and error carry lone surrogates.

        Args:
            key: Anything.
        """
        with custom_span(f"step{bad}", data={attr_key: bad, "nested": {bad: [bad]}}):
            pass
        with custom_span("secret", data={"k": bad}, sensitive=True):
            pass
        if key == "fail":
            raise ValueError(f"bad key {bad}")
        return key + bad

    tracer_provider, meter_provider = configure(
        service_name="surrogates", endpoint=otlp_receiver.http_endpoint, set_global=False
    )
    assert tracer_provider is not None and meter_provider is not None
    produced = InMemorySpanExporter()
    tracer_provider.add_span_processor(SimpleSpanProcessor(produced))
    bridge(tracer_provider=tracer_provider, meter_provider=meter_provider, capture_content=capture)
    steps = [
        call_tool("odd_tool", json.dumps({"key": bad})),
        call_tool("odd_tool", {"key": "fail"}),
        say(f"answer {bad}"),
    ]
    agent = Agent(
        name=f"Agent{bad}", instructions=f"be {bad}", tools=[odd_tool], model=ScriptedModel(steps)
    )
    try:
        with trace(f"wf{bad}", group_id=f"g{bad}", metadata={attr_key: bad}):
            output = await run_or_stream(agent, f"prompt {bad}", False)
    finally:
        assert setup.shutdown_within([tracer_provider, meter_provider], 10.0)
    assert output == f"answer {bad}"
    made = produced.get_finished_spans()
    assert len(made) == 11  # workflow, agent, 3 chats, 2 tools, 4 custom spans
    spans = otlp_receiver.wait_for_spans(count=len(made))
    assert sorted(s.name for s in spans) == sorted(clean(s.name) for s in made)
    agent_span = next(s for s in spans if s.name.startswith("invoke_agent"))
    assert agent_span.attributes["gen_ai.agent.name"] == clean(f"Agent{bad}")
    points = otlp_receiver.wait_for_points(
        lambda ps: any(p.metric == "otel_agents.runs" for p in ps)
    )
    assert any(p.attributes.get("gen_ai.agent.name") == clean(f"Agent{bad}") for p in points)
    assert encoder_failures(caplog) == []


def clean(text: str) -> str:
    """What an exporter can send of `text`: lone surrogates become U+FFFD."""
    return re.sub("[\ud800-\udfff]", "\ufffd", text)


# --- agent graphs that never finish ---------------------------------------------------------


def ping_pong(turns: int) -> Agent[Any]:
    """Ping hands off to Pong, which hands back to Ping, forever."""
    ping = Agent(name="Ping", model=ScriptedModel([transfer_to("Pong")] * turns))
    pong = Agent(name="Pong", handoffs=[ping], model=ScriptedModel([transfer_to("Ping")] * turns))
    ping.handoffs.append(pong)
    return ping


def tool_loop(turns: int) -> Agent[Any]:
    """An agent whose model calls a tool on every turn."""
    return Agent(
        name="Looper",
        tools=[lookup],
        model=ScriptedModel([call_tool("lookup", {"key": "k"})] * turns),
    )


@STREAM
@pytest.mark.parametrize("graph", [ping_pong, tool_loop], ids=["handoff-cycle", "tool-loop"])
async def test_a_run_that_never_finishes_ends_with_max_turns_recorded(
    bridge: Bridge,
    pipeline: Pipeline,
    graph: Callable[[int], Agent[Any]],
    stream: bool,
) -> None:
    recorder = RecordingProcessor()
    bridge(recorder)
    with pytest.raises(MaxTurnsExceeded, match="Max turns \\(6\\) exceeded"):
        await run_or_stream(graph(20), "hi", stream, max_turns=6)
    recorder.assert_well_formed()
    agents = recorder.spans_of_type("agent")
    assert len(recorder.spans_of_type("generation")) == 6
    last = agents[-1]
    assert last.span_data.run_outcome == "max_turns"
    assert last.error is not None and last.error.type == "otel_agents.exceptions.MaxTurnsExceeded"
    assert [a.error for a in agents[:-1]] == [None] * (len(agents) - 1)
    failed = [s for s in pipeline.spans if s.status.status_code.name == "ERROR"]
    # The last agent failed, and so did the run's root: the workflow of an agent that can hand
    # off (named after it), or the one agent itself when it stands alone.
    expected = [f"invoke_agent {last.span_data.name}"]
    if agents[0].span_data.handoffs:
        expected.append(f"invoke_workflow {agents[0].span_data.name}")
    assert [s.name for s in failed] == expected
    for span in failed:
        assert (span.attributes or {})["error.type"] == "otel_agents.exceptions.MaxTurnsExceeded"
    assert_nothing_current()


@pytest.mark.parametrize(
    "value",
    [
        pytest.param({1, 2}, id="set"),
        pytest.param(Opaque(), id="object"),
        pytest.param(b"\xff", id="bytes"),
        pytest.param(float("nan"), id="nan"),
        pytest.param([1, "a", None], id="mixed-list"),
        pytest.param({(1, 2): "a"}, id="tuple-keys"),
        pytest.param(2**80, id="int-beyond-int64"),
    ],
)
async def test_custom_span_data_json_cannot_encode_is_still_exported(
    bridge: Bridge,
    pipeline: Pipeline,
    caplog: pytest.LogCaptureFixture,
    value: Any,
) -> None:
    caplog.set_level(logging.WARNING)
    bridge()
    with trace("wf"), custom_span("odd", data={"value": value, "plain": "kept"}):
        pass
    [span] = [s for s in pipeline.spans if s.name == "odd"]
    assert (span.attributes or {})["otel_agents.custom.plain"] == "kept"
    assert "otel_agents.custom.value" in (span.attributes or {})
    encode_spans(pipeline.spans).SerializeToString()
    assert encoder_failures(caplog) == []  # and no internal error (see conftest)
