"""Function tools: schemas from type hints and docstrings, invocation, errors fed back."""

from __future__ import annotations

import json
from typing import Any

import pytest

from otel_agents import (
    Agent,
    ModelBehaviorError,
    RunContextWrapper,
    Runner,
    ScriptedModel,
    ToolContext,
    UserError,
    function_tool,
)
from otel_agents.models.scripted import call_tool, say


def google(city: str, days: int = 1) -> str:
    """Forecast for a city.

    Args:
        city: The city to look up.
        days: How many days,
            counted from today.

    Returns:
        The forecast.
    """
    return f"{city}:{days}"


def sphinx(city: str) -> str:
    """Forecast for a city.

    :param city: The city to look up.
    :returns: The forecast.
    """
    return city


def numpy_style(city: str) -> str:
    """Forecast for a city.

    Parameters
    ----------
    city : str
        The city to look up.

    Returns
    -------
    str
    """
    return city


@pytest.mark.parametrize("func", [google, sphinx, numpy_style], ids=["google", "sphinx", "numpy"])
def test_schema_takes_descriptions_from_each_docstring_style(func: Any) -> None:
    tool = function_tool(func)
    assert tool.description == "Forecast for a city."
    props = tool.params_json_schema["properties"]
    assert props["city"] == {"type": "string", "description": "The city to look up."}
    assert tool.params_json_schema["additionalProperties"] is False
    assert set(tool.params_json_schema["required"]) == set(props)


def test_multiline_argument_description_is_joined() -> None:
    props = function_tool(google).params_json_schema["properties"]
    assert props["days"]["description"] == "How many days, counted from today."


def test_overrides_and_context_parameter_excluded_from_schema() -> None:
    @function_tool(name_override="lookup", description_override="Looks things up.")
    async def fetch(ctx: RunContextWrapper[Any], key: str) -> str:
        return f"{ctx.context['prefix']}{key}"

    assert fetch.name == "lookup"
    assert fetch.description == "Looks things up."
    assert list(fetch.params_json_schema["properties"]) == ["key"]


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param("def f(*args: int) -> str: ...", id="varargs"),
        pytest.param("def f(x: int, ctx: RunContextWrapper) -> str: ...", id="context-not-first"),
    ],
)
def test_unsupported_signatures_are_user_errors(bad: str) -> None:
    ns: dict[str, Any] = {"RunContextWrapper": RunContextWrapper}
    exec(bad, ns)
    with pytest.raises(UserError, match="Tool 'f'"):
        function_tool(ns["f"])


async def test_sync_async_and_context_tools_run_and_results_reach_the_model() -> None:
    seen: list[str] = []

    @function_tool
    def add(a: int, b: int) -> int:
        """Adds."""
        return a + b

    @function_tool
    async def whoami(ctx: ToolContext[dict[str, str]]) -> str:
        """Who."""
        seen.append(ctx.tool_call_id)
        return ctx.context["user"]

    model = ScriptedModel(
        [
            call_tool("add", {"a": 2, "b": 3}),
            call_tool("whoami", {}, call_id="call_who"),
            lambda request: say(" | ".join(i["output"] for i in request.input if "output" in i)),
        ]
    )
    agent = Agent(name="Calc", tools=[add, whoami], model=model)
    result = await Runner.run(agent, "go", context={"user": "ada"})
    assert result.final_output == "5 | ada"
    assert seen == ["call_who"]
    outputs = [i for i in result.new_items if i.type == "tool_call_output_item"]
    assert [o.output for o in outputs] == [5, "ada"]


async def test_tool_exception_goes_back_to_the_model_and_the_run_goes_on() -> None:
    @function_tool
    def flaky(query: str) -> str:
        """Fails."""
        raise ValueError("Service temporarily unavailable")

    model = ScriptedModel(
        [call_tool("flaky", {"query": "x"}), lambda r: say(r.input[-1]["output"])]
    )
    result = await Runner.run(Agent(name="A", tools=[flaky], model=model), "go")
    assert "Service temporarily unavailable" in result.final_output
    assert "try again" in result.final_output


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        pytest.param('{"query": ', "not valid JSON", id="malformed-json"),
        pytest.param("[1, 2]", "not an object", id="json-array"),
        pytest.param('{"query": 5}', "do not match its schema", id="wrong-type"),
        pytest.param('{"query": "x", "extra": 1}', "do not match its schema", id="extra-field"),
    ],
)
async def test_bad_arguments_are_explained_to_the_model(arguments: str, expected: str) -> None:
    @function_tool
    def search(query: str) -> str:
        """Search."""
        return query

    model = ScriptedModel([call_tool("search", arguments), lambda r: say(r.input[-1]["output"])])
    result = await Runner.run(Agent(name="A", tools=[search], model=model), "go")
    assert expected in result.final_output
    assert "'search'" in result.final_output


async def test_failure_error_function_none_ends_the_run_with_the_error() -> None:
    @function_tool(failure_error_function=None)
    def search(query: str) -> str:
        """Search."""
        raise KeyError("boom")

    model = ScriptedModel([call_tool("search", {"query": "x"})])
    # As the SDK: a UserError naming the tool, caused by the tool's own exception.
    with pytest.raises(UserError, match="Error running tool search") as info:
        await Runner.run(Agent(name="A", tools=[search], model=model), "go")
    assert isinstance(info.value.__cause__, KeyError)

    model = ScriptedModel([call_tool("search", "{oops")])
    with pytest.raises(ModelBehaviorError, match="'search'.*not valid JSON"):
        await Runner.run(Agent(name="A", tools=[search], model=model), "go")


async def test_non_json_results_are_sent_as_text() -> None:
    class Thing:
        def __str__(self) -> str:
            return "a thing"

    @function_tool
    def make() -> Any:
        """Make."""
        return Thing()

    @function_tool
    def data() -> dict[str, int]:
        """Data."""
        return {"n": 1}

    model = ScriptedModel(
        [
            call_tool("make", {}),
            call_tool("data", {}),
            lambda r: say(json.dumps([i["output"] for i in r.input if "output" in i])),
        ]
    )
    result = await Runner.run(Agent(name="A", tools=[make, data], model=model), "go")
    assert json.loads(result.final_output) == ["a thing", '{"n": 1}']
