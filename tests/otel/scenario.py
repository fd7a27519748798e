"""The Done-when scenario of issue 4, as plain user code with no OpenTelemetry in it.

A triage agent (with an input guardrail) hands off to a support agent, which calls a tool that
works (and opens a custom span), a tool that fails, and answers; both agents use `ScriptedModel`.
Run as a script (`python scenario.py [--stream]`) it is the "user script" that tests start in a
subprocess with only OTEL_* variables set; tests also import `run()` in-process.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from otel_agents import (
    Agent,
    GuardrailFunctionOutput,
    RunContextWrapper,
    Runner,
    function_tool,
    input_guardrail,
    trace,
)
from otel_agents.models import ScriptedModel, call_tool, say, transfer_to, turn
from otel_agents.tracing import custom_span

SECRET_PROMPT = "my card number is 4111-SECRET-PROMPT"
SECRET_ARG = "ORDER-SECRET-ARG-42"
SECRET_RESULT = "shipped-SECRET-RESULT"
SECRET_INSTRUCTIONS = "You are support. SECRET-INSTRUCTIONS"
SECRET_ERROR = "backend refused SECRET-ERROR"
SECRET_CUSTOM = "SECRET-CUSTOM-NOTE"
WORKFLOW = "customer_support"
GROUP_ID = "conv_123"


@function_tool
def lookup_order(order_id: str) -> str:
    """Look up an order.

    Args:
        order_id: The order id.
    """
    with custom_span("db_lookup", data={"table": "orders", "rows": 1}):
        pass
    with custom_span("audit", data={"note": SECRET_CUSTOM}, sensitive=True):
        pass
    return SECRET_RESULT


@function_tool
def refund(order_id: str) -> str:
    """Refund an order.

    Args:
        order_id: The order id.
    """
    raise ValueError(SECRET_ERROR)


@input_guardrail(name="no_profanity")
def no_profanity(
    ctx: RunContextWrapper[Any], agent: Agent[Any], data: Any
) -> GuardrailFunctionOutput:
    return GuardrailFunctionOutput(output_info=None, tripwire_triggered=False)


def agents() -> Agent[Any]:
    """Fresh agents and scripted models (a script is consumed as it plays)."""
    support = Agent(
        name="Support",
        instructions=SECRET_INSTRUCTIONS,
        tools=[lookup_order, refund],
        model=ScriptedModel(
            [
                turn(
                    call_tool("lookup_order", {"order_id": SECRET_ARG}, call_id="call_lookup"),
                    call_tool("refund", {"order_id": SECRET_ARG}, call_id="call_refund"),
                ),
                say("Your order has shipped.", input_tokens=40, output_tokens=6),
            ],
            model_name="support-model",
        ),
    )
    return Agent(
        name="Triage",
        instructions="Route the user.",
        handoffs=[support],
        input_guardrails=[no_profanity],
        model=ScriptedModel([transfer_to("Support")], model_name="triage-model"),
    )


async def run(stream: bool = False) -> str:
    """Runs the scenario once; returns the final output."""
    with trace(WORKFLOW, group_id=GROUP_ID, metadata={"channel": "web"}):
        if stream:
            result = Runner.run_streamed(agents(), input=SECRET_PROMPT)
            async for _ in result.stream_events():
                pass
            return str(result.final_output)
        done = await Runner.run(agents(), input=SECRET_PROMPT)
        return str(done.final_output)


if __name__ == "__main__":
    print(asyncio.run(run(stream="--stream" in sys.argv)))
