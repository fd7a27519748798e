"""A tool whose exception cannot even be turned into text (its `__str__` raises) still goes back
to the model as an error text, and the run goes on; the span records the failure by its type.
Over real HTTP (the openai client against the local server) and the real OTel bridge.
"""

from __future__ import annotations

from typing import Any

from otel_agents import Agent, Runner, function_tool
from otel_agents.models import OpenAIResponsesModel, call_tool
from support.fake_openai import FakeOpenAI

from ._support import Pipeline
from .conftest import Bridge


class Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("__str__ is broken too")


@function_tool
def broken() -> str:
    """Always fails, badly."""
    raise Unprintable()


async def test_a_tool_exception_whose_str_raises_goes_back_to_the_model(
    bridge: Bridge, pipeline: Pipeline, fake_openai: FakeOpenAI
) -> None:
    bridge()
    fake_openai.script([call_tool("broken"), "recovered"])
    client = fake_openai.client()
    agent = Agent(name="A", tools=[broken], model=OpenAIResponsesModel("gpt-test", client))
    try:
        result = await Runner.run(agent, "go")
    finally:
        await client.close()
    assert result.final_output == "recovered"
    second: list[dict[str, Any]] = fake_openai.bodies("/responses")[1]["input"]
    output = next(i for i in second if i.get("type") == "function_call_output")["output"]
    assert output.startswith("An error occurred while running the tool. Please try again.")
    assert "Unprintable: its message could not be read" in output
    tool = next(s for s in pipeline.spans if s.name.startswith("execute_tool"))
    assert tool.status.status_code.name == "ERROR"
    assert tool.attributes is not None
    assert str(tool.attributes.get("error.type", "")).endswith("Unprintable")
