"""A scripted workload that gives every dashboard panel data, run as its own process.

It is what a user's app looks like to the stack: offline agents (`ScriptedModel`) run through
the real runner, with the OpenTelemetry bridge set up from the environment
(`OTEL_METRICS_EXPORTER=prometheus` serves /metrics; `OTEL_EXPORTER_OTLP_ENDPOINT` sends OTLP).
One round covers every panel: a streamed run with a tool call and a handoff, a run whose tool
raises, a run stopped by an input guardrail, a run whose model call fails, and a plain
(non-streamed) run.

The test drives it over stdin, one command per line: `run` plays a round and answers `done`;
`exit` (or end of input) flushes and exits. Between rounds it just waits, so Prometheus can
scrape it. Run by hand: `python tests/deploy/_workload.py` and type `run`.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from typing import Any

from otel_agents import (
    Agent,
    GuardrailFunctionOutput,
    InputGuardrailTripwireTriggered,
    Runner,
    function_tool,
    input_guardrail,
    set_trace_processors,
)
from otel_agents.models import ScriptedModel
from otel_agents.models.scripted import call_tool, fail, say, transfer_to
from otel_agents.otel.processor import OTelTracingProcessor
from otel_agents.otel.setup import configure

MODEL = "scripted-small"


@function_tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"Sunny in {city}."


@function_tool
def flaky_lookup(key: str) -> str:
    """A lookup whose backend is down."""
    raise RuntimeError("backend unavailable")


@input_guardrail(name="no_secrets")
def no_secrets(context: Any, agent: Any, user_input: Any) -> GuardrailFunctionOutput:
    return GuardrailFunctionOutput(
        output_info=None, tripwire_triggered="password" in str(user_input)
    )


class ModelBackendError(RuntimeError):
    """What the failing model call raises: its name is the error.type the panels show."""


def scripted(*steps: Any) -> ScriptedModel:
    # A little delay between chunks so time per output chunk is not all zeros.
    return ScriptedModel(list(steps), model_name=MODEL, chunk_delay=0.002)


async def one_round() -> None:
    weather = Agent(
        name="Weather",
        instructions="Answer weather questions.",
        tools=[get_weather],
        model=scripted(call_tool("get_weather", {"city": "Paris"}), say("It is sunny in Paris.")),
    )
    triage = Agent(
        name="Triage",
        instructions="Hand weather questions to Weather.",
        handoffs=[weather],
        model=scripted(transfer_to("Weather")),
    )
    streamed = Runner.run_streamed(triage, "What is the weather in Paris?")
    async for _event in streamed.stream_events():
        pass

    lookup = Agent(
        name="Lookup",
        instructions="Look things up.",
        tools=[flaky_lookup],
        model=scripted(call_tool("flaky_lookup", {"key": "k"}), say("The lookup failed.")),
    )
    await Runner.run(lookup, "Look up k")

    guarded = Agent(
        name="Guarded",
        instructions="Never see secrets.",
        input_guardrails=[no_secrets],
        model=scripted(say("unreachable")),
    )
    # The tripwire stops the run: counted as outcome guardrail_tripped, and as a guardrail trip.
    with contextlib.suppress(InputGuardrailTripwireTriggered):
        await Runner.run(guarded, "my password is hunter2")

    broken = Agent(
        name="Broken",
        instructions="Answer.",
        model=scripted(fail(ModelBackendError("model backend unavailable"))),
    )
    # A failed model call: error.type on the model call metrics, and an exception event.
    with contextlib.suppress(ModelBackendError):
        await Runner.run(broken, "Hello")

    plain = Agent(name="Plain", instructions="Be brief.", model=scripted(say("Hello there.")))
    await Runner.run(plain, "Hello")


def main() -> int:
    # Providers from the OTEL_* variables (the user's path), and the bridge as the only
    # processor so nothing else (e.g. a default processor) counts the runs twice.
    _tracer_provider, meter_provider = configure()
    set_trace_processors([OTelTracingProcessor(meter_provider=meter_provider)])
    print("ready", flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "run":
            asyncio.run(one_round())
            print("done", flush=True)
        elif command == "exit":
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
