"""Cost per model call, and its sums onto agents and roots, through the real `openai` client
against the local server: figures checked against genai-prices' own calculation."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import genai_prices
import pytest

from otel_agents import Agent, Runner, trace
from otel_agents.models import (
    OpenAIChatCompletionsModel,
    OpenAIResponsesModel,
    ScriptedModel,
    call_tool,
    say,
    transfer_to,
)
from otel_agents.otel import OTelTracingProcessor
from otel_agents.otel import semconv as sc
from otel_agents.pricing import (
    PRICES_FILE_ENV,
    SCRIPTED_PRICE,
    Price,
    Tokens,
    add_price,
    clear_prices,
    cost_of,
    set_price_hook,
)
from support.fake_openai import FakeOpenAI

from ._trees import Node, Pipeline

CACHED, WRITTEN, REASONING = 3, 2, 1
PROMPT = "Please help me: my order from last week never arrived and the tracking page is empty"


@pytest.fixture(autouse=True)
def fresh_prices(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(PRICES_FILE_ENV, raising=False)
    clear_prices()
    yield
    clear_prices()


def _model(api: str, name: str, client: Any) -> Any:
    cls = OpenAIResponsesModel if api == "responses" else OpenAIChatCompletionsModel
    return cls(name, client)


def _agents(api: str, server: FakeOpenAI, triage: str, support: str) -> Agent[Any]:
    """Triage hands off to Support, which asks Helper (an agent as a tool), then answers."""
    client = server.client()
    helper = Agent(name="Helper", model=_model(api, triage, client))
    support_agent = Agent(
        name="Support",
        model=_model(api, support, client),
        tools=[helper.as_tool("ask_helper", "Asks the helper.")],
    )
    return Agent(name="Triage", model=_model(api, triage, client), handoffs=[support_agent])


def _script(server: FakeOpenAI) -> None:
    # One script for every request, in the order the run makes them.
    server.script(
        [
            transfer_to("Support"),
            call_tool("ask_helper", {"input": "how?"}, call_id="call_1"),
            say("Like this.", input_tokens=30, output_tokens=7),
            say("Done: like this.", input_tokens=50, output_tokens=9),
        ]
    )
    server.usage_details.update(
        cached_tokens=CACHED, cache_write_tokens=WRITTEN, reasoning_tokens=REASONING
    )


def _expected(node: Node) -> Decimal:
    """genai-prices' own figure for one call, from the tokens on its span."""
    a = node.attributes
    usage = genai_prices.Usage(
        input_tokens=a[sc.GEN_AI_USAGE_INPUT_TOKENS],
        output_tokens=a[sc.GEN_AI_USAGE_OUTPUT_TOKENS],
        cache_read_tokens=a[sc.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS],
        cache_write_tokens=a[sc.GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS],
    )
    model = a[sc.GEN_AI_RESPONSE_MODEL]
    return genai_prices.calc_price(usage, model, provider_id="openai").total_price


def _owner(nodes: list[Node], node: Node) -> Node:
    by_id = {n.span_id: n for n in nodes}
    parent = by_id[node.parent_id]
    while parent.attributes.get(sc.GEN_AI_OPERATION_NAME) != sc.OP_INVOKE_AGENT:
        parent = by_id[parent.parent_id]
    return parent


@pytest.mark.parametrize(
    ("api", "stream", "semconv"),
    [
        ("responses", False, "default"),
        ("responses", True, "newest"),
        ("chat_completions", False, "newest"),
        ("chat_completions", True, "default"),
    ],
)
async def test_costs_add_up_from_model_call_to_agent_to_workflow(
    api: str,
    stream: bool,
    semconv: str,
    fake_openai: FakeOpenAI,
    pipeline: Pipeline,
    bridge: Callable[..., OTelTracingProcessor],
) -> None:
    bridge(semconv=semconv)
    _script(fake_openai)
    agent = _agents(api, fake_openai, "gpt-4o-mini", "gpt-4o")
    with trace("support_flow"):
        if stream:
            result = Runner.run_streamed(agent, PROMPT)
            async for _ in result.stream_events():
                pass
        else:
            await Runner.run(agent, PROMPT)

    nodes = pipeline.nodes()
    calls = [n for n in nodes if n.attributes.get(sc.GEN_AI_OPERATION_NAME) == sc.OP_CHAT]
    assert len(calls) == 4
    by_agent: dict[str, Decimal] = {}
    total = Decimal(0)
    for call in calls:
        a = call.attributes
        assert a[sc.GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS] == WRITTEN  # read from both APIs
        expected = _expected(call)
        assert expected > 0
        assert a[sc.GEN_AI_USAGE_COST_AMOUNT] == pytest.approx(float(expected), rel=1e-12)
        assert a[sc.GEN_AI_USAGE_COST_CURRENCY] == "USD"
        assert a[sc.GEN_AI_USAGE_COST_SOURCE] == "local"
        agent_name = _owner(nodes, call).attributes[sc.GEN_AI_AGENT_NAME]
        by_agent[agent_name] = by_agent.get(agent_name, Decimal(0)) + expected
        total += expected

    agents = [n for n in nodes if n.attributes.get(sc.GEN_AI_OPERATION_NAME) == sc.OP_INVOKE_AGENT]
    assert {n.attributes[sc.GEN_AI_AGENT_NAME] for n in agents} == {"Triage", "Support", "Helper"}
    for node in agents:  # each agent: the calls it made itself, the nested agent's not included
        name = node.attributes[sc.GEN_AI_AGENT_NAME]
        assert node.attributes[sc.OA_COST_AMOUNT] == pytest.approx(float(by_agent[name]))
        assert node.attributes[sc.OA_COST_CURRENCY] == "USD"
        assert sc.GEN_AI_USAGE_COST_AMOUNT not in node.attributes  # the spec's is per call only
    assert sum(n.attributes[sc.OA_COST_AMOUNT] for n in agents) == pytest.approx(float(total))

    workflow = pipeline.span("invoke_workflow support_flow")
    assert workflow.attributes[sc.OA_COST_TOTAL] == pytest.approx(float(total))
    if semconv == "newest":  # the run's turn: every call, the nested agent-as-tool run's too
        # (that run's end does not end the outer run's turn)
        (turn,) = [n for n in nodes if n.name.startswith(sc.OP_HANDLE_CONVERSATION_TURN)]
        assert turn.attributes[sc.OA_COST_TOTAL] == pytest.approx(float(total))

    spec_points = pipeline.points(sc.METRIC_OPERATION_COST)
    assert sum(p.sum for _, p in spec_points) == pytest.approx(float(total))
    assert sum(p.count for _, p in spec_points) == 4
    for attrs, _ in spec_points:
        assert attrs[sc.GEN_AI_USAGE_COST_CURRENCY] == "USD"
        assert attrs[sc.GEN_AI_USAGE_COST_SOURCE] == "local"
        assert sc.GEN_AI_AGENT_NAME not in attrs  # the spec's inference metric attributes only
    ours = pipeline.points(sc.METRIC_COST)
    got = {a[sc.GEN_AI_AGENT_NAME]: v for a, v in ours}
    assert got == pytest.approx({k: float(v) for k, v in by_agent.items()})
    assert {a[sc.GEN_AI_WORKFLOW_NAME] for a, _ in ours} == {"support_flow"}


async def test_an_unknown_model_gets_no_cost_and_one_log_line(
    fake_openai: FakeOpenAI,
    pipeline: Pipeline,
    bridge: Callable[..., OTelTracingProcessor],
    caplog: pytest.LogCaptureFixture,
) -> None:
    bridge()
    for _ in range(2):
        fake_openai.script([say("hi")])
        agent = Agent(name="Local", model=_model("responses", "my-llama", fake_openai.client()))
        await Runner.run(agent, "hello")
    calls = [n for n in pipeline.nodes() if n.name == "chat my-llama"]
    assert len(calls) == 2
    for call in calls:
        assert not any(k.startswith("gen_ai.usage.cost") for k in call.attributes)
    root = [n for n in pipeline.nodes() if n.name == "invoke_agent Local"]
    assert all(n.attributes[sc.OA_COST_UNCOUNTED_CALLS] == 1 for n in root)
    assert all(sc.OA_COST_TOTAL not in n.attributes for n in root)  # never a guess
    lines = [r for r in caplog.records if "my-llama" in r.getMessage()]
    assert len(lines) == 1, [r.getMessage() for r in lines]
    assert PRICES_FILE_ENV in lines[0].getMessage()
    assert pipeline.points(sc.METRIC_OPERATION_COST) == []


def test_a_prices_file_overrides_and_adds_models(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "prices.json"
    path.write_text(
        json.dumps(
            {
                "currency": "EUR",
                "models": {
                    "my-llama": {"input_mtok": 2, "output_mtok": 8, "cache_write_mtok": 3},
                    "GPT-4O-MINI": {"input_mtok": 1, "output_mtok": 1, "currency": "USD"},
                },
            }
        )
    )
    monkeypatch.setenv(PRICES_FILE_ENV, str(path))
    tokens = Tokens(input=1_000_000, output=1_000_000, cache_read=100_000, cache_write=200_000)
    local = cost_of(tokens, "my-llama", "openai")
    # 700k plain at 2, 100k cache reads at the input rate, 200k cache writes at 3, 1M out at 8
    assert local is not None and local.currency == "EUR"
    assert local.amount == pytest.approx(1.4 + 0.2 + 0.6 + 8)
    negotiated = cost_of(tokens, "gpt-4o-mini", "openai")
    assert negotiated is not None and negotiated.amount == pytest.approx(2.0)


def test_a_bad_prices_file_logs_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "prices.json"
    path.write_text('{"models": {"my-llama": {"input_mtok": 1}}}')
    monkeypatch.setenv(PRICES_FILE_ENV, str(path))
    tokens = Tokens(input=10, output=10)
    assert cost_of(tokens, "my-llama", "openai") is None
    assert cost_of(Tokens(input=5), "other", "openai") is None
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    message = errors[0].getMessage()
    assert PRICES_FILE_ENV in message and "output_mtok" in message and "Fix the file" in message
    # library prices still apply
    assert cost_of(tokens, "gpt-4o-mini", "openai") is not None


def test_the_price_hook_comes_first_and_a_failing_hook_is_no_price(
    caplog: pytest.LogCaptureFixture,
) -> None:
    add_price("house-model", Price(input_mtok=1, output_mtok=1))
    set_price_hook(lambda model, provider: Price(input_mtok=10, output_mtok=10, currency="eur"))
    cost = cost_of(Tokens(input=100_000), "house-model", "openai")
    assert cost is not None and cost.amount == pytest.approx(1.0) and cost.currency == "EUR"

    def broken(model: str, provider: str | None) -> Price | None:
        raise RuntimeError("price service down")

    set_price_hook(broken)
    declared = cost_of(Tokens(input=100_000), "house-model", "openai")
    assert declared is not None and declared.amount == pytest.approx(0.1)  # falls through
    assert sum("price service down" in r.getMessage() for r in caplog.records) == 1


def test_library_prices_are_read_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("pricing must not touch the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    tokens = Tokens(input=1000, output=100, cache_read=200)
    cost = cost_of(tokens, "gpt-4o-mini", "openai")
    usage = genai_prices.Usage(input_tokens=1000, output_tokens=100, cache_read_tokens=200)
    expected = genai_prices.calc_price(usage, "gpt-4o-mini", provider_id="openai").total_price
    assert cost is not None and cost.amount == pytest.approx(float(expected))
    assert genai_prices.data_snapshot._custom_snapshot is None  # no fetched snapshot in use


def test_the_scripted_model_has_a_declared_price() -> None:
    model = ScriptedModel([say("hi")])
    assert model.provider_name == "scripted"
    cost = cost_of(Tokens(input=1_000_000, output=1_000_000), model.model_name, "scripted")
    assert cost is not None
    assert cost.amount == pytest.approx(
        float(SCRIPTED_PRICE.input_mtok) + float(SCRIPTED_PRICE.output_mtok)
    )


def test_inconsistent_tokens_get_no_cost() -> None:
    assert cost_of(Tokens(input=1, cache_read=5), "gpt-4o-mini", "openai") is None
