"""The demo's workflows: agents, tools, a guardrail, and the scripts the offline model plays.

Three scenarios, each runnable offline (a `ScriptedModel` plays `Scenario.script()`, one step per
model call) or on a real model (the same agents and instructions, with OpenAI or any compatible
server). Tools are deterministic and keep their per-run state in the run context (`DemoContext`),
so many runs of one scenario can share its agents and run concurrently.

- **support**: Triage (input guardrail) hands off to the Support specialist, whose `lookup_order`
  tool opens a custom span around its "database query".
- **research**: a Researcher runs two `search_notes` calls in parallel, then hands off to a Writer.
- **flaky**: `check_inventory` fails on its first call; the error goes back to the model, which
  calls it again.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..agent import Agent
from ..guardrails import GuardrailFunctionOutput, input_guardrail
from ..models.interface import InputItem
from ..models.scripted import Step, call_tool, transfer_to, turn
from ..run_context import RunContextWrapper
from ..tools import function_tool
from ..tracing import custom_span
from .catalog import SUMMARIES

__all__ = ["SCENARIOS", "DemoContext", "Scenario", "get_scenario"]


@dataclass
class DemoContext:
    """Per-run state the tools share (never sent to the model).

    Attributes:
        inventory_calls: How many times `check_inventory` was called in this run.
    """

    inventory_calls: int = 0


@dataclass(frozen=True)
class Scenario:
    """One demo workflow.

    Attributes:
        name: The `--scenario` value.
        workflow_name: The trace's name.
        summary: One line for `--help` and the screen.
        input: What the user asks.
        build: Makes the starting agent (and, through its handoffs, the others).
        script: The offline model's steps for one run, one per model call.
    """

    name: str
    workflow_name: str
    summary: str
    input: str
    build: Callable[[], Agent[DemoContext]]
    script: Callable[[], list[Step | str]] = field(repr=False)


# --- support: triage -> specialist, a guardrail, a tool with a custom span ---------------------

_CARD_NUMBER = re.compile(r"\b(?:\d[ -]?){13,16}\b")


@input_guardrail(name="no_card_numbers")
def no_card_numbers(
    ctx: RunContextWrapper[DemoContext], agent: Agent[Any], input: str | list[InputItem]
) -> GuardrailFunctionOutput:
    """Stops the run before any model sees a payment card number."""
    text = input if isinstance(input, str) else json.dumps(input)
    found = _CARD_NUMBER.search(text) is not None
    return GuardrailFunctionOutput(
        output_info={"card_number_found": found}, tripwire_triggered=found
    )


@function_tool
async def lookup_order(order_id: str) -> str:
    """Looks up an order's shipping status in the order database.

    Args:
        order_id: The order number, e.g. A1042.
    """
    with custom_span("order_db.query", data={"table": "orders", "order_id": order_id}):
        await asyncio.sleep(0.04)  # stands in for the database round trip
        record = {
            "order_id": order_id,
            "item": "Aurora ANC wireless headphones",
            "status": "in transit",
            "carrier": "UPS",
            "shipped_on": "2026-03-03",
            "last_scan": "Memphis, TN hub on 2026-03-05",
            "promised_by": "2026-03-08",
        }
    return json.dumps(record)


def _support() -> Agent[DemoContext]:
    specialist: Agent[DemoContext] = Agent(
        name="Support specialist",
        handoff_description="Resolves order, delivery and refund problems.",
        instructions=(
            "You resolve order and delivery problems for Acme's online store. Always look the "
            "order up with lookup_order before answering. Quote its status, carrier and last "
            "scan, then propose one concrete next step. Answer in at most 80 words."
        ),
        tools=[lookup_order],
    )
    return Agent(
        name="Triage",
        instructions=(
            "You are the front desk of Acme's customer support. Greet the customer in one short "
            "sentence, then hand off: order, delivery and refund questions go to the Support "
            "specialist. Never ask for payment card numbers."
        ),
        handoffs=[specialist],
        input_guardrails=[no_card_numbers],
    )


def _support_script() -> list[Step | str]:
    return [
        turn(
            "Thanks for reaching out, and sorry about the wait! I'm passing you to our support "
            "specialist, who can check the shipment right away.",
            transfer_to("Support specialist"),
        ),
        call_tool("lookup_order", {"order_id": "A1042"}),
        "I found order A1042: your Aurora ANC headphones shipped with UPS on March 3 and were "
        "last scanned at the Memphis hub on March 5, so the parcel is stuck in transit. I have "
        "opened a carrier trace for you. If UPS has no update by March 8, reply here and we "
        "will send a replacement at no cost.",
    ]


# --- research: parallel tool calls, then a handoff to a writer ---------------------------------

_NOTES = (
    "OpenTelemetry is the CNCF standard for traces, metrics and logs; most observability "
    "backends ingest OTLP natively, so one instrumentation serves every vendor.",
    "Teams move LLM observability to OpenTelemetry to avoid a second, proprietary pipeline: "
    "agent traces then sit next to HTTP and database spans in the tools they already run.",
    "The GenAI semantic conventions standardize span names such as 'invoke_agent', 'chat' and "
    "'execute_tool', and attributes such as gen_ai.request.model and gen_ai.usage.input_tokens.",
    "The GenAI conventions define metrics too: gen_ai.client.token.usage and "
    "gen_ai.client.operation.duration, with advisory histogram buckets.",
    "Prompt and completion content is opt-in under the conventions "
    "(OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT), which keeps sensitive text out of "
    "telemetry by default.",
)


@function_tool
def search_notes(query: str) -> str:
    """Searches the team's research notes and returns the most relevant ones.

    Args:
        query: What to look for, in a few keywords.
    """
    words = {w for w in re.findall(r"[a-z0-9]+", query.lower()) if len(w) > 2}
    ranked = sorted(
        _NOTES, key=lambda note: -len(words & set(re.findall(r"[a-z0-9]+", note.lower())))
    )
    return "\n".join(f"- {note}" for note in ranked[:3])


def _research() -> Agent[DemoContext]:
    writer: Agent[DemoContext] = Agent(
        name="Writer",
        handoff_description="Turns research notes into a short, clear answer.",
        instructions=(
            "Write a concise answer to the user's question from the research notes in the "
            "conversation: two short paragraphs, at most 110 words, plain language. Use only "
            "facts found in the notes."
        ),
    )
    return Agent(
        name="Researcher",
        instructions=(
            "You gather facts for a technical writer. Call search_notes once or twice with "
            "focused keyword queries, then hand off to the Writer. Do not write the answer "
            "yourself."
        ),
        tools=[search_notes],
        handoffs=[writer],
    )


def _research_script() -> list[Step | str]:
    return [
        turn(
            "Let me pull the relevant notes first.",
            call_tool("search_notes", {"query": "why teams adopt OpenTelemetry for LLM apps"}),
            call_tool("search_notes", {"query": "GenAI semantic conventions spans metrics"}),
        ),
        transfer_to("Writer"),
        "Teams are moving LLM observability to OpenTelemetry because it is the standard their "
        "backends already speak: agent traces land next to HTTP and database spans, with no "
        "second, proprietary pipeline to run.\n\nThe GenAI semantic conventions make that data "
        "comparable everywhere. They fix span names like invoke_agent, chat and execute_tool, "
        "attributes like gen_ai.request.model and token counts, and metrics such as "
        "gen_ai.client.token.usage. Prompt content stays out of telemetry unless you opt in.",
    ]


# --- flaky: a tool error goes back to the model, which retries ---------------------------------


@function_tool
async def check_inventory(ctx: RunContextWrapper[DemoContext], product: str, color: str) -> str:
    """Checks warehouse stock for a product in a given color.

    Args:
        product: The product name.
        color: The color variant.
    """
    ctx.context.inventory_calls += 1
    await asyncio.sleep(0.02)  # stands in for the inventory service call
    if ctx.context.inventory_calls == 1:
        raise ConnectionError("inventory service unavailable (HTTP 503), try again")
    return json.dumps(
        {"product": product, "color": color, "in_stock": 14, "warehouse": "Denver, CO"}
    )


def _flaky() -> Agent[DemoContext]:
    return Agent(
        name="Inventory assistant",
        instructions=(
            "You answer stock questions for an outdoor gear shop. Use check_inventory to get "
            "stock levels. If a tool fails, call it again once before telling the customer. "
            "Orders placed before 2 pm ship the same day. Answer in at most 60 words."
        ),
        tools=[check_inventory],
    )


_BACKPACK = {"product": "Trailblazer 45L backpack", "color": "green"}


def _flaky_script() -> list[Step | str]:
    return [
        call_tool("check_inventory", _BACKPACK),
        turn(
            "The inventory service was unavailable on my first try, so let me check again.",
            call_tool("check_inventory", _BACKPACK),
        ),
        "Good news: the Trailblazer 45L backpack in green is in stock, with 14 units at our "
        "Denver warehouse. Orders placed before 2 pm ship the same day, so with standard "
        "shipping it should reach you in two to three business days.",
    ]


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            name="support",
            workflow_name="Customer support",
            summary=SUMMARIES["support"],
            input=(
                "Hi, I ordered noise-cancelling headphones last week (order A1042) and the "
                "tracking page hasn't changed in four days. Can you check what's going on?"
            ),
            build=_support,
            script=_support_script,
        ),
        Scenario(
            name="research",
            workflow_name="Research brief",
            summary=SUMMARIES["research"],
            input=(
                "Why are teams moving LLM observability to OpenTelemetry, and what do the GenAI "
                "semantic conventions standardize?"
            ),
            build=_research,
            script=_research_script,
        ),
        Scenario(
            name="flaky",
            workflow_name="Inventory check",
            summary=SUMMARIES["flaky"],
            input="Do you have the Trailblazer 45L backpack in green, and how soon could it ship?",
            build=_flaky,
            script=_flaky_script,
        ),
    )
}
"""Every scenario by name, in the order `--runs` cycles through them."""


def get_scenario(name: str) -> Scenario | None:
    """The scenario called `name`, or None."""
    return SCENARIOS.get(name)
