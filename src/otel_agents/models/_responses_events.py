"""Builds Responses API objects and stream events for models that do not speak Responses natively.

`ScriptedModel` and the Chat Completions stream converter both feed a `ResponseStreamBuilder` with
text deltas and tool-call deltas, so both produce the very sequence the Responses API streams:

```
response.created, response.in_progress,
  per message:   output_item.added, content_part.added, output_text.delta..., output_text.done,
                 content_part.done, output_item.done
  per function:  output_item.added, function_call_arguments.delta..., function_call_arguments.done,
                 output_item.done
response.completed (the whole Response: output and usage)
```

Objects are built through their validating constructors: pydantic-core validates a small event in
about 1 us, faster than the openai `BaseModel.model_construct` (about 17 us, it walks every field in
Python), and validation catches a field a new openai release made required.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Literal

from openai.types.responses import (
    Response,
    ResponseCompletedEvent,
    ResponseContentPartAddedEvent,
    ResponseContentPartDoneEvent,
    ResponseCreatedEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseFunctionToolCall,
    ResponseInProgressEvent,
    ResponseOutputItem,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputMessage,
    ResponseOutputRefusal,
    ResponseOutputText,
    ResponseRefusalDeltaEvent,
    ResponseRefusalDoneEvent,
    ResponseStreamEvent,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
    ResponseUsage,
)
from openai.types.responses.response import IncompleteDetails
from openai.types.responses.response_usage import InputTokensDetails, OutputTokensDetails

ItemStatus = Literal["in_progress", "completed", "incomplete"]
IncompleteReason = Literal["max_output_tokens", "content_filter"]

__all__ = [
    "ResponseStreamBuilder",
    "function_call_item",
    "make_response",
    "make_usage",
    "output_message",
]


def make_usage(
    input_tokens: int,
    output_tokens: int,
    *,
    cached_tokens: int = 0,
    reasoning_tokens: int = 0,
    cache_write_tokens: int = 0,
) -> ResponseUsage:
    """A Responses `usage` object; the total is input plus output."""
    return ResponseUsage(
        input_tokens=input_tokens,
        input_tokens_details=InputTokensDetails(
            cache_write_tokens=cache_write_tokens, cached_tokens=cached_tokens
        ),
        output_tokens=output_tokens,
        output_tokens_details=OutputTokensDetails(reasoning_tokens=reasoning_tokens),
        total_tokens=input_tokens + output_tokens,
    )


def _text_part(text: str) -> ResponseOutputText:
    return ResponseOutputText(annotations=[], text=text, type="output_text", logprobs=[])


def _refusal_part(refusal: str) -> ResponseOutputRefusal:
    return ResponseOutputRefusal(refusal=refusal, type="refusal")


def output_message(
    item_id: str,
    text: str | None = None,
    *,
    refusal: str | None = None,
    status: ItemStatus = "completed",
) -> ResponseOutputMessage:
    """An assistant message output item with one text part (and/or one refusal part)."""
    content: list[Any] = []
    if text is not None:
        content.append(_text_part(text))
    if refusal is not None:
        content.append(_refusal_part(refusal))
    return ResponseOutputMessage(
        id=item_id, content=content, role="assistant", status=status, type="message"
    )


def function_call_item(
    item_id: str, call_id: str, name: str, arguments: str, *, status: ItemStatus = "completed"
) -> ResponseFunctionToolCall:
    """A function call output item."""
    return ResponseFunctionToolCall(
        id=item_id,
        call_id=call_id,
        name=name,
        arguments=arguments,
        type="function_call",
        status=status,
    )


def make_response(
    *,
    response_id: str,
    model: str,
    output: list[ResponseOutputItem],
    usage: ResponseUsage | None,
    created_at: float,
    status: Literal["in_progress", "completed", "incomplete"] = "completed",
    incomplete_reason: IncompleteReason | None = None,
) -> Response:
    """A Responses API `Response` with the fields a real server always sends."""
    return Response(
        id=response_id,
        created_at=created_at,
        model=model,
        object="response",
        output=output,
        parallel_tool_calls=True,
        tool_choice="auto",
        tools=[],
        status=status,
        usage=usage,
        error=None,
        incomplete_details=(
            IncompleteDetails(reason=incomplete_reason) if incomplete_reason is not None else None
        ),
    )


class _Item:
    """An output item under construction."""

    __slots__ = ("arguments", "call_id", "index", "item_id", "kind", "name", "parts")

    def __init__(self, kind: str, item_id: str, index: int) -> None:
        self.kind = kind  # "message" or "function_call"
        self.item_id = item_id
        self.index = index
        self.parts: list[tuple[str, list[str]]] = []  # message: (part kind, text chunks)
        self.call_id = ""
        self.name = ""
        self.arguments: list[str] = []


class ResponseStreamBuilder:
    """Turns text and tool-call deltas into Responses stream events, then the final `Response`.

    Every method returns the events to emit, in order; opening a new output item closes the open
    one, as the Responses API never interleaves items. Call `start()` first and `finish()` last.

    Args:
        response_id: The id of the response.
        model: The model name reported in the response.
        new_item_id: Returns a fresh item id for a kind ("msg" or "fc").
        created_at: Unix time of creation; now when None.
    """

    def __init__(
        self,
        *,
        response_id: str,
        model: str,
        new_item_id: Callable[[str], str],
        created_at: float | None = None,
    ) -> None:
        self.response_id = response_id
        self.model = model
        self._new_item_id = new_item_id
        self._created_at = time.time() if created_at is None else created_at
        self._seq = 0
        self._items: list[ResponseOutputItem] = []
        self._open: _Item | None = None
        self.response: Response | None = None
        """The final response, set by `finish()`."""

    def _next_seq(self) -> int:
        seq = self._seq
        self._seq += 1
        return seq

    def start(self) -> list[ResponseStreamEvent]:
        """The `response.created` and `response.in_progress` events."""
        pending = make_response(
            response_id=self.response_id,
            model=self.model,
            output=[],
            usage=None,
            created_at=self._created_at,
            status="in_progress",
        )
        return [
            ResponseCreatedEvent(
                response=pending, sequence_number=self._next_seq(), type="response.created"
            ),
            ResponseInProgressEvent(
                response=pending, sequence_number=self._next_seq(), type="response.in_progress"
            ),
        ]

    # -- messages -------------------------------------------------------------------------------

    def text_delta(self, delta: str) -> list[ResponseStreamEvent]:
        """A piece of assistant text; opens a message (and a text part) when needed."""
        return self._content_delta("output_text", delta)

    def refusal_delta(self, delta: str) -> list[ResponseStreamEvent]:
        """A piece of a refusal; opens a message (and a refusal part) when needed."""
        return self._content_delta("refusal", delta)

    def _content_delta(self, part_kind: str, delta: str) -> list[ResponseStreamEvent]:
        events: list[ResponseStreamEvent] = []
        item = self._open
        if item is None or item.kind != "message":
            events.extend(self.close_item())
            item = self._open_item("message", self._new_item_id("msg"))
            events.append(
                ResponseOutputItemAddedEvent(
                    item=output_message(item.item_id, status="in_progress"),
                    output_index=item.index,
                    sequence_number=self._next_seq(),
                    type="response.output_item.added",
                )
            )
        if not item.parts or item.parts[-1][0] != part_kind:
            events.extend(self._close_part(item))
            item.parts.append((part_kind, []))
            events.append(
                ResponseContentPartAddedEvent(
                    content_index=len(item.parts) - 1,
                    item_id=item.item_id,
                    output_index=item.index,
                    part=_text_part("") if part_kind == "output_text" else _refusal_part(""),
                    sequence_number=self._next_seq(),
                    type="response.content_part.added",
                )
            )
        item.parts[-1][1].append(delta)
        common: dict[str, Any] = {
            "content_index": len(item.parts) - 1,
            "delta": delta,
            "item_id": item.item_id,
            "output_index": item.index,
            "sequence_number": self._next_seq(),
        }
        if part_kind == "output_text":
            events.append(
                ResponseTextDeltaEvent(**common, logprobs=[], type="response.output_text.delta")
            )
        else:
            events.append(ResponseRefusalDeltaEvent(**common, type="response.refusal.delta"))
        return events

    def _close_part(self, item: _Item) -> list[ResponseStreamEvent]:
        if not item.parts:
            return []
        kind, chunks = item.parts[-1]
        text = "".join(chunks)
        common: dict[str, Any] = {
            "content_index": len(item.parts) - 1,
            "item_id": item.item_id,
            "output_index": item.index,
        }
        done: ResponseStreamEvent
        if kind == "output_text":
            part: Any = _text_part(text)
            done = ResponseTextDoneEvent(
                **common,
                logprobs=[],
                sequence_number=self._next_seq(),
                text=text,
                type="response.output_text.done",
            )
        else:
            part = _refusal_part(text)
            done = ResponseRefusalDoneEvent(
                **common,
                refusal=text,
                sequence_number=self._next_seq(),
                type="response.refusal.done",
            )
        return [
            done,
            ResponseContentPartDoneEvent(
                **common,
                part=part,
                sequence_number=self._next_seq(),
                type="response.content_part.done",
            ),
        ]

    # -- function calls -------------------------------------------------------------------------

    def function_call(self, *, call_id: str, name: str) -> list[ResponseStreamEvent]:
        """Opens a function call item (closing the open item); arguments follow as deltas."""
        events = self.close_item()
        item = self._open_item("function_call", self._new_item_id("fc"))
        item.call_id = call_id
        item.name = name
        events.append(
            ResponseOutputItemAddedEvent(
                item=function_call_item(item.item_id, call_id, name, "", status="in_progress"),
                output_index=item.index,
                sequence_number=self._next_seq(),
                type="response.output_item.added",
            )
        )
        return events

    def arguments_delta(self, delta: str) -> list[ResponseStreamEvent]:
        """A piece of the open function call's JSON arguments."""
        item = self._open
        if item is None or item.kind != "function_call":
            raise RuntimeError("arguments_delta() needs an open function call")
        item.arguments.append(delta)
        return [
            ResponseFunctionCallArgumentsDeltaEvent(
                delta=delta,
                item_id=item.item_id,
                output_index=item.index,
                sequence_number=self._next_seq(),
                type="response.function_call_arguments.delta",
            )
        ]

    # -- the end --------------------------------------------------------------------------------

    def finish(
        self, usage: ResponseUsage | None, *, incomplete_reason: IncompleteReason | None = None
    ) -> list[ResponseStreamEvent]:
        """Closes the open item and returns the rest, ending with `response.completed`.

        Args:
            usage: Token usage of the whole response, when known.
            incomplete_reason: Why generation stopped early ("max_output_tokens",
                "content_filter"), recorded as `incomplete_details` so the finish reason survives.
        """
        events = self.close_item()
        self.response = make_response(
            response_id=self.response_id,
            model=self.model,
            output=self._items,
            usage=usage,
            created_at=self._created_at,
            status="completed" if incomplete_reason is None else "incomplete",
            incomplete_reason=incomplete_reason,
        )
        events.append(
            ResponseCompletedEvent(
                response=self.response,
                sequence_number=self._next_seq(),
                type="response.completed",
            )
        )
        return events

    def _open_item(self, kind: str, item_id: str) -> _Item:
        item = _Item(kind, item_id, len(self._items))
        self._open = item
        return item

    def close_item(self) -> list[ResponseStreamEvent]:
        """Closes the open output item, if any (the next delta opens a new one)."""
        item = self._open
        if item is None:
            return []
        self._open = None
        final: ResponseOutputItem
        if item.kind == "message":
            events = self._close_part(item)
            final = ResponseOutputMessage(
                id=item.item_id,
                content=[
                    _text_part("".join(c)) if kind == "output_text" else _refusal_part("".join(c))
                    for kind, c in item.parts
                ],
                role="assistant",
                status="completed",
                type="message",
            )
        else:
            arguments = "".join(item.arguments)
            events = [
                ResponseFunctionCallArgumentsDoneEvent(
                    arguments=arguments,
                    item_id=item.item_id,
                    output_index=item.index,
                    sequence_number=self._next_seq(),
                    type="response.function_call_arguments.done",
                )
            ]
            final = function_call_item(item.item_id, item.call_id, item.name, arguments)
        self._items.append(final)
        events.append(
            ResponseOutputItemDoneEvent(
                item=final,
                output_index=item.index,
                sequence_number=self._next_seq(),
                type="response.output_item.done",
            )
        )
        return events
