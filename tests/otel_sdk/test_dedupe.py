"""No duplicate LLM spans when the OpenAI client is instrumented too.

While our model-call span is current, the bridge's OTel context carries the standard suppression
key and the LLM one, so a client instrumentation that honours them (here OpenLLMetry's
`opentelemetry-instrumentation-openai`, over a real `openai` client and a local server) adds no
span of its own: one LLM span per call, ours.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import agents as sdk
import pytest

import otel_agents as ours
from otel._trees import Pipeline
from otel_agents.models import OpenAIChatCompletionsModel, OpenAIResponsesModel
from support.fake_openai import FakeOpenAI

from .conftest import Bridge

openai_instrumentation = pytest.importorskip("opentelemetry.instrumentation.openai")
CLIENT_SCOPE = "opentelemetry.instrumentation.openai.v1"


@pytest.fixture
def client_instrumented(pipeline: Pipeline, our_pipeline: Pipeline) -> Iterator[None]:
    """OpenLLMetry's OpenAI client instrumentation, exporting to `pipeline`."""
    instrumentor = openai_instrumentation.OpenAIInstrumentor()
    instrumentor.instrument(
        tracer_provider=pipeline.tracer_provider, meter_provider=pipeline.meter_provider
    )
    yield
    instrumentor.uninstrument()


def _by_scope(pipeline: Pipeline) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for span in pipeline.exporter.get_finished_spans():
        out.setdefault(span.instrumentation_scope.name, []).append(span.name)
    return out


async def test_the_client_instrumentation_is_live_outside_agent_runs(
    client_instrumented: None, pipeline: Pipeline, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(["Hi.", "Hi."])
    client = fake_openai.client()
    await client.responses.create(model="gpt-test", input="hello")
    await client.chat.completions.create(
        model="gpt-test", messages=[{"role": "user", "content": "hello"}]
    )
    assert len(_by_scope(pipeline)[CLIENT_SCOPE]) == 2


@pytest.mark.parametrize("api", ["responses", "chat"])
@pytest.mark.parametrize("stream", [False, True], ids=["run", "streamed"])
async def test_sdk_runs_have_one_llm_span_per_call(
    api: str,
    stream: bool,
    client_instrumented: None,
    sdk_bridge: Bridge,
    pipeline: Pipeline,
    fake_openai: FakeOpenAI,
) -> None:
    sdk_bridge()
    fake_openai.script(["Hello there."])
    model_class: Any = (
        sdk.OpenAIResponsesModel if api == "responses" else sdk.OpenAIChatCompletionsModel
    )
    agent: sdk.Agent[Any] = sdk.Agent(
        name="A", model=model_class(model="gpt-test", openai_client=fake_openai.client())
    )
    if stream:
        result = sdk.Runner.run_streamed(agent, "hi")
        async for _ in result.stream_events():
            pass
    else:
        await sdk.Runner.run(agent, "hi")
    assert _by_scope(pipeline) == {
        "otel_agents": ["chat gpt-test", "invoke_agent A"]  # one agent: a standalone root
    }


@pytest.mark.parametrize("api", ["responses", "chat"])
async def test_our_runs_have_one_llm_span_per_call(
    api: str,
    client_instrumented: None,
    our_bridge: Bridge,
    our_pipeline: Pipeline,
    pipeline: Pipeline,
    fake_openai: FakeOpenAI,
) -> None:
    our_bridge(tracer_provider=pipeline.tracer_provider, meter_provider=pipeline.meter_provider)
    fake_openai.script(["Hello there."])
    model_class: Any = OpenAIResponsesModel if api == "responses" else OpenAIChatCompletionsModel
    agent = ours.Agent(name="A", model=model_class("gpt-test", openai_client=fake_openai.client()))
    await ours.Runner.run(agent, "hi")
    assert _by_scope(pipeline) == {
        "otel_agents": ["chat gpt-test", "invoke_agent A"]  # one agent: a standalone root
    }
