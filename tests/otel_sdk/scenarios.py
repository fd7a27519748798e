"""One support scenario, written twice: for otel-agents' runner and for the upstream SDK.

A triage agent (with an input guardrail, optionally an output guardrail) hands off to a support
agent, which calls a tool that works (and opens a custom span), a tool that fails, and answers.
Both sides play the same `ScriptedModel` scripts (ours directly, the SDK's through
`SdkScriptedModel`), so responses, ids and token counts are the same; both report the provider
"openai", as a real OpenAI model would.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import agents as sdk

import otel_agents as ours
from otel_agents.models import ScriptedModel, call_tool, say, transfer_to, turn
from otel_agents.tracing import custom_span

from .sdk_model import SdkScriptedModel

SECRET_PROMPT = "my card number is 4111-SECRET-PROMPT"
SECRET_ARG = "ORDER-SECRET-ARG-42"
SECRET_RESULT = "shipped-SECRET-RESULT"
SECRET_INSTRUCTIONS = "You are support. SECRET-INSTRUCTIONS"
SECRET_ERROR = "backend refused SECRET-ERROR"
SECRETS = (SECRET_PROMPT, SECRET_ARG, SECRET_RESULT, SECRET_INSTRUCTIONS, SECRET_ERROR)
WORKFLOW = "customer_support"
GROUP_ID = "conv_123"
USER_ID = "user-7"


class OpenAIScripted(ScriptedModel):
    """A scripted model that reports itself as an OpenAI model (as the SDK's response spans do)."""

    provider_name = "openai"


@dataclass(frozen=True)
class Options:
    """Variations of the scenario.

    Attributes:
        stream: Run streamed.
        output_guardrail: Give the support agent an output guardrail.
        trip: Make the input guardrail's tripwire fire (the run then fails).
        turn_spans: SDK only: its task and turn spans on (the SDK's default) or off.
        sensitive: SDK only: `trace_include_sensitive_data`.
        conversation: No app `trace()`: the runner opens the run's trace, with the conversation's
            `group_id` and user metadata from the run config.
    """

    stream: bool = False
    output_guardrail: bool = False
    trip: bool = False
    turn_spans: bool = True
    sensitive: bool = True
    conversation: bool = False


def scripts() -> tuple[ScriptedModel, ScriptedModel]:
    """Fresh (triage, support) scripts: a script is consumed as it plays."""
    triage = OpenAIScripted([transfer_to("Support")], model_name="triage-model")
    support = OpenAIScripted(
        [
            turn(
                call_tool("lookup_order", {"order_id": SECRET_ARG}, call_id="call_lookup"),
                call_tool("refund", {"order_id": SECRET_ARG}, call_id="call_refund"),
            ),
            say("Your order has shipped.", input_tokens=40, output_tokens=6),
        ],
        model_name="support-model",
    )
    return triage, support


# --- otel-agents' runner ----------------------------------------------------------------------


@ours.function_tool
def lookup_order(order_id: str) -> str:
    """Look up an order.

    Args:
        order_id: The order id.
    """
    with custom_span("db_lookup", data={"table": "orders", "rows": 1}):
        pass
    return SECRET_RESULT


@ours.function_tool
def refund(order_id: str) -> str:
    """Refund an order.

    Args:
        order_id: The order id.
    """
    raise ValueError(SECRET_ERROR)


async def run_ours(options: Options = Options()) -> None:
    """Runs the scenario on otel-agents' runner (a tripped guardrail is caught)."""

    @ours.input_guardrail(name="no_profanity")
    def no_profanity(ctx: Any, agent: Any, data: Any) -> ours.GuardrailFunctionOutput:
        return ours.GuardrailFunctionOutput(output_info=None, tripwire_triggered=options.trip)

    @ours.output_guardrail(name="polite")
    def polite(ctx: Any, agent: Any, output: Any) -> ours.GuardrailFunctionOutput:
        return ours.GuardrailFunctionOutput(output_info=None, tripwire_triggered=False)

    triage_model, support_model = scripts()
    support = ours.Agent(
        name="Support",
        instructions=SECRET_INSTRUCTIONS,
        tools=[lookup_order, refund],
        output_guardrails=[polite] if options.output_guardrail else [],
        model=support_model,
    )
    triage = ours.Agent(
        name="Triage",
        instructions="Route the user.",
        handoffs=[support],
        input_guardrails=[no_profanity],
        model=triage_model,
    )
    config = ours.RunConfig()
    app_trace: Any = ours.trace(WORKFLOW, group_id=GROUP_ID, metadata={"channel": "web"})
    if options.conversation:
        config = ours.RunConfig(group_id=GROUP_ID, trace_metadata={"user.id": USER_ID})
        app_trace = contextlib.nullcontext()
    with app_trace:
        try:
            if options.stream:
                result = ours.Runner.run_streamed(triage, input=SECRET_PROMPT, run_config=config)
                async for _ in result.stream_events():
                    pass
            else:
                await ours.Runner.run(triage, input=SECRET_PROMPT, run_config=config)
        except ours.InputGuardrailTripwireTriggered:
            assert options.trip


# --- the upstream SDK's runner ----------------------------------------------------------------


@sdk.function_tool(name_override="lookup_order")
def sdk_lookup_order(order_id: str) -> str:
    """Look up an order.

    Args:
        order_id: The order id.
    """
    with sdk.custom_span("db_lookup", data={"table": "orders", "rows": 1}):
        pass
    return SECRET_RESULT


@sdk.function_tool(name_override="refund")
def sdk_refund(order_id: str) -> str:
    """Refund an order.

    Args:
        order_id: The order id.
    """
    raise ValueError(SECRET_ERROR)


async def run_sdk(options: Options = Options()) -> None:
    """Runs the same scenario on the upstream SDK's runner (a tripped guardrail is caught)."""

    @sdk.input_guardrail(name="no_profanity")
    def no_profanity(ctx: Any, agent: Any, data: Any) -> sdk.GuardrailFunctionOutput:
        return sdk.GuardrailFunctionOutput(output_info=None, tripwire_triggered=options.trip)

    @sdk.output_guardrail(name="polite")
    def polite(ctx: Any, agent: Any, output: Any) -> sdk.GuardrailFunctionOutput:
        return sdk.GuardrailFunctionOutput(output_info=None, tripwire_triggered=False)

    triage_model, support_model = scripts()
    support: sdk.Agent[Any] = sdk.Agent(
        name="Support",
        instructions=SECRET_INSTRUCTIONS,
        tools=[sdk_lookup_order, sdk_refund],
        output_guardrails=[polite] if options.output_guardrail else [],
        model=SdkScriptedModel(support_model),
    )
    triage: sdk.Agent[Any] = sdk.Agent(
        name="Triage",
        instructions="Route the user.",
        handoffs=[support],
        input_guardrails=[no_profanity],
        model=SdkScriptedModel(triage_model),
    )
    config = sdk.RunConfig(
        tracing={"include_task_and_turn_spans": options.turn_spans},
        trace_include_sensitive_data=options.sensitive,
    )
    app_trace: Any = sdk.trace(WORKFLOW, group_id=GROUP_ID, metadata={"channel": "web"})
    if options.conversation:
        config.group_id = GROUP_ID
        config.trace_metadata = {"user.id": USER_ID}
        app_trace = contextlib.nullcontext()
    with app_trace:
        try:
            if options.stream:
                result = sdk.Runner.run_streamed(triage, input=SECRET_PROMPT, run_config=config)
                async for _ in result.stream_events():
                    pass
            else:
                await sdk.Runner.run(triage, input=SECRET_PROMPT, run_config=config)
        except sdk.InputGuardrailTripwireTriggered:
            assert options.trip
