"""Runs one snippet of SDK-style code against the upstream `agents` package and against
`otel_agents`, so a test can compare what each produced.

A snippet is `async def snippet(m) -> outcome`, where `m` is the package (`m.Agent`, `m.Runner`,
...). `scripted(m, turns)` is a custom model written exactly as the SDK documents its `Model`
interface (subclassing `m.Model`, returning `m.ModelResponse` with `m.Usage`), so every snippet
also proves that such a model runs unchanged on our runner.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from types import ModuleType
from typing import Any

import agents
from openai.types.responses import (
    ResponseCompletedEvent,
    ResponseFunctionToolCall,
    ResponseOutputItem,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseReasoningItem,
    ResponseTextDeltaEvent,
)
from openai.types.responses.response_reasoning_item import Summary
from openai.types.responses.response_usage import InputTokensDetails, OutputTokensDetails

import otel_agents
from otel_agents.models._responses_events import make_response, make_usage, output_message

PACKAGES: list[ModuleType] = [agents, otel_agents]

Turn = Sequence[ResponseOutputItem] | Callable[[Any], Sequence[ResponseOutputItem]]


def msg(text: str, n: int = 1) -> ResponseOutputItem:
    return output_message(f"msg_{n}", text)


def call(name: str, args: dict[str, Any] | None = None, call_id: str = "call_1") -> Any:
    return ResponseFunctionToolCall(
        id=f"fc_{call_id}",
        call_id=call_id,
        name=name,
        arguments=json.dumps(args or {}),
        type="function_call",
        status="completed",
    )


def reasoning(text: str) -> ResponseReasoningItem:
    return ResponseReasoningItem(
        id="rs_1", type="reasoning", summary=[Summary(type="summary_text", text=text)]
    )


def scripted(m: ModuleType, turns: Sequence[Turn], *, usage: tuple[int, int] = (10, 5)) -> Any:
    """A custom SDK-style model playing `turns` (lists of output items, or functions of the
    input), one per call; it records every call's arguments in `.calls`."""
    steps = list(turns)

    class Custom(m.Model):  # type: ignore[name-defined,misc]
        def __init__(self) -> None:
            self.calls: list[dict[str, Any]] = []

        def _next(self, **call: Any) -> list[Any]:
            self.calls.append(call)
            step = steps.pop(0)
            return list(step(call["input"]) if callable(step) else step)

        def _usage(self) -> Any:
            return m.Usage(
                requests=1,
                input_tokens=usage[0],
                output_tokens=usage[1],
                total_tokens=sum(usage),
                input_tokens_details=InputTokensDetails(cached_tokens=2, cache_write_tokens=0),
                output_tokens_details=OutputTokensDetails(reasoning_tokens=1),
            )

        async def get_response(
            self,
            system_instructions: str | None,
            input: Any,
            model_settings: Any,
            tools: Any,
            output_schema: Any,
            handoffs: Any,
            tracing: Any,
            *,
            previous_response_id: str | None = None,
            conversation_id: str | None = None,
            prompt: Any = None,
        ) -> Any:
            output = self._next(
                instructions=system_instructions,
                input=input,
                tools=[t.name for t in tools],
                handoffs=[h.tool_name for h in handoffs],
                output_schema=output_schema.name() if output_schema else None,
                tracing=tracing.name,
                tool_choice=model_settings.tool_choice,
            )
            return m.ModelResponse(output=output, usage=self._usage(), response_id="resp_1")

        async def stream_response(
            self,
            system_instructions: str | None,
            input: Any,
            model_settings: Any,
            tools: Any,
            output_schema: Any,
            handoffs: Any,
            tracing: Any,
            *,
            previous_response_id: str | None = None,
            conversation_id: str | None = None,
            prompt: Any = None,
        ) -> AsyncIterator[Any]:
            output = self._next(
                instructions=system_instructions,
                input=input,
                tools=[t.name for t in tools],
                handoffs=[h.tool_name for h in handoffs],
                output_schema=output_schema.name() if output_schema else None,
                tracing=tracing.name,
                tool_choice=model_settings.tool_choice,
            )
            seq = 0
            # A real server's stream suspends between events; so does this one.
            await asyncio.sleep(0)
            for index, item in enumerate(output):
                yield ResponseOutputItemAddedEvent(
                    item=item,
                    output_index=index,
                    sequence_number=seq,
                    type="response.output_item.added",
                )
                seq += 1
                for part in getattr(item, "content", None) or []:
                    for word in getattr(part, "text", "").split(" "):
                        yield ResponseTextDeltaEvent(
                            content_index=0,
                            delta=word + " ",
                            item_id=item.id or "",
                            logprobs=[],
                            output_index=index,
                            sequence_number=seq,
                            type="response.output_text.delta",
                        )
                        seq += 1
                        await asyncio.sleep(0)
                yield ResponseOutputItemDoneEvent(
                    item=item,
                    output_index=index,
                    sequence_number=seq,
                    type="response.output_item.done",
                )
                seq += 1
            response = make_response(
                response_id="resp_1",
                model="custom",
                output=output,
                usage=make_usage(usage[0], usage[1]),
                created_at=0,
            )
            yield ResponseCompletedEvent(
                response=response, sequence_number=seq, type="response.completed"
            )

    return Custom()


async def both(snippet: Callable[[ModuleType], Awaitable[Any]]) -> tuple[Any, Any]:
    """The snippet's outcome on the SDK, then on otel_agents."""
    return await snippet(agents), await snippet(otel_agents)


async def same(snippet: Callable[[ModuleType], Awaitable[Any]]) -> Any:
    """Runs the snippet on both packages, asserts equal outcomes, and returns ours."""
    sdk, ours = await both(snippet)
    assert ours == sdk, f"otel_agents gave {ours!r}, the SDK gave {sdk!r}"
    return ours


async def outcome(run: Awaitable[Any]) -> Any:
    """A run's result, or the name of the exception it raised (the package prefix dropped)."""
    try:
        return await run
    except Exception as exc:
        return f"raised {type(exc).__name__}: {exc}"
