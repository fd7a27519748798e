"""`OpenAIChatCompletionsModel`: a `Model` on the Chat Completions API (`chat.completions.create`).

For OpenAI and for the many OpenAI-compatible servers (vLLM, Ollama, LM Studio) that speak only
Chat Completions. Streamed chunks are turned into the Responses API's event sequence through the
same builder `ScriptedModel` uses, so `event.data.delta` works whichever API serves the agent.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

from openai import AsyncOpenAI, AsyncStream
from openai.types import CompletionUsage
from openai.types.chat import ChatCompletionChunk
from openai.types.responses import ResponseStreamEvent
from pydantic import ValidationError

from ..exceptions import ModelBehaviorError
from ._chat_convert import (
    chat_cache_write,
    chat_params,
    item_ids,
    model_response_from_completion,
    reasoning_item,
    reasoning_text,
)
from ._limits import DEFAULT_MAX_TOOL_CALLS, CallLimits, too_many_tool_calls
from ._loops import bind_to_loop
from ._openai_shared import create, iterate_stream, server_of
from ._responses_events import IncompleteReason, ResponseStreamBuilder, make_usage
from .interface import Model, ModelRequest, ModelResponse

__all__ = ["ChatStreamConverter", "OpenAIChatCompletionsModel"]

_INCOMPLETE: dict[str, IncompleteReason] = {
    "length": "max_output_tokens",
    "content_filter": "content_filter",
}


class _ToolCall:
    __slots__ = ("arguments", "call_id", "name", "opened")

    def __init__(self) -> None:
        self.call_id: str | None = None
        self.name = ""
        self.arguments: list[str] = []  # buffered until the name is known
        self.opened = False


class ChatStreamConverter:
    """Turns Chat Completions chunks into Responses stream events, one chunk at a time.

    Only the first choice is followed. A tool call opens (`output_item.added`) once its name is
    known; argument pieces sent before that are buffered and flushed then.

    Args:
        model: The requested model name (used until a chunk reports one, and in messages).
        max_tool_calls: Tool calls one response may hold; more raise `ModelBehaviorError`.
    """

    def __init__(self, model: str, *, max_tool_calls: int = DEFAULT_MAX_TOOL_CALLS) -> None:
        self.model = model
        self._max_tool_calls = max_tool_calls
        self._builder: ResponseStreamBuilder | None = None
        self._calls: dict[int, _ToolCall] = {}
        self._open_call: int | None = None  # index of the call the builder has open
        self._usage: CompletionUsage | None = None
        self._finish_reason: str | None = None
        self._emitted = False
        self._reasoning: list[str] = []

    def feed(self, chunk: ChatCompletionChunk) -> list[ResponseStreamEvent]:
        """The events for one chunk (the first chunk also starts the response).

        Raises:
            ModelBehaviorError: The chunk has a field of the wrong type (the openai client does
                not validate streamed chunks, so a non-conforming server shows up here).
        """
        try:
            return self._feed(chunk)
        except (ValidationError, AttributeError, TypeError) as exc:
            raise ModelBehaviorError(
                f"The server sent a Chat Completions stream chunk that does not follow the API "
                f"({type(exc).__name__}: {_first_line(exc)}); check the server's OpenAI "
                "compatibility (model server version, streaming tool calls)."
            ) from None

    def _feed(self, chunk: ChatCompletionChunk) -> list[ResponseStreamEvent]:
        events: list[ResponseStreamEvent] = []
        builder = self._builder
        if builder is None:
            response_id = chunk.id or "chatcmpl"
            builder = self._builder = ResponseStreamBuilder(
                response_id=response_id,
                model=chunk.model or self.model,
                new_item_id=item_ids(response_id),
                created_at=float(chunk.created) if chunk.created else None,
            )
            events.extend(builder.start())
        if chunk.usage is not None:
            self._usage = chunk.usage
        for choice in chunk.choices:
            if choice.index != 0:
                continue
            delta = choice.delta
            reasoning = reasoning_text(delta)
            if reasoning:
                self._reasoning.append(reasoning)
            if delta.content:
                self._open_call = None
                self._emitted = True
                events.extend(builder.text_delta(delta.content))
            if delta.refusal:
                self._open_call = None
                self._emitted = True
                events.extend(builder.refusal_delta(delta.refusal))
            for piece in delta.tool_calls or ():
                events.extend(self._tool_call_delta(builder, piece))
            if choice.finish_reason:
                self._finish_reason = choice.finish_reason
        return events

    def _tool_call_delta(self, builder: ResponseStreamBuilder, piece: Any) -> list[Any]:
        # Some servers leave out `index` for a single call; the next unseen index is right then.
        index = piece.index if piece.index is not None else len(self._calls)
        call = self._calls.get(index)
        if call is None:
            if len(self._calls) >= self._max_tool_calls:
                raise too_many_tool_calls("Chat Completions", self.model, self._max_tool_calls)
            call = self._calls[index] = _ToolCall()
        if piece.id and call.call_id is None:
            call.call_id = piece.id
        function = piece.function
        if function is not None and function.name and not call.name:
            call.name = function.name
        arguments = (function.arguments if function is not None else None) or ""
        if call.opened:
            if self._open_call != index:
                raise ModelBehaviorError(
                    f"The Chat Completions stream of model {self.model!r} sent arguments for "
                    f"tool call {index} after another output began; such interleaving cannot be "
                    "replayed as Responses events: turn off streaming for this server"
                )
            return builder.arguments_delta(arguments) if arguments else []
        if arguments:
            call.arguments.append(arguments)
        if not call.name:
            return []
        return self._open(builder, index, call)

    def _open(self, builder: ResponseStreamBuilder, index: int, call: _ToolCall) -> list[Any]:
        call.opened = True
        self._open_call = index
        self._emitted = True
        call_id = call.call_id or f"call_{builder.response_id}_{index}"
        events: list[Any] = builder.function_call(call_id=call_id, name=call.name)
        if call.arguments:
            events.extend(builder.arguments_delta("".join(call.arguments)))
            call.arguments.clear()
        return events

    def finish(self) -> list[ResponseStreamEvent]:
        """The closing events, ending with `response.completed`; raises if the stream was cut."""
        builder = self._builder
        if builder is None:
            raise ModelBehaviorError(
                f"The Chat Completions stream of model {self.model!r} ended before its first "
                "chunk: the server closed the connection or does not stream; retry, or check "
                "OPENAI_BASE_URL"
            )
        if self._finish_reason is None:
            raise ModelBehaviorError(
                f"The Chat Completions stream of model {self.model!r} ended without a "
                "finish_reason: the server closed the stream before the reply was complete; "
                "retry, or check the server's logs"
            )
        events: list[ResponseStreamEvent] = []
        for index, call in self._calls.items():
            if not call.opened:
                raise ModelBehaviorError(
                    f"Model {self.model!r} streamed tool call {index} without a function name"
                )
        if not self._emitted:
            events.extend(builder.text_delta(""))  # the reply still is an (empty) message
        usage = None
        if self._usage is not None:
            u = self._usage
            usage = make_usage(
                u.prompt_tokens or 0,
                u.completion_tokens or 0,
                cached_tokens=(u.prompt_tokens_details.cached_tokens or 0)
                if u.prompt_tokens_details is not None
                else 0,
                reasoning_tokens=(u.completion_tokens_details.reasoning_tokens or 0)
                if u.completion_tokens_details is not None
                else 0,
                cache_write_tokens=chat_cache_write(u),
            )
        events.extend(builder.finish(usage, incomplete_reason=_INCOMPLETE.get(self._finish_reason)))
        if self._reasoning:
            # Reasoning deltas are not replayed as events; the reply carries them as one item.
            terminal = getattr(events[-1], "response", None)
            if terminal is not None:
                item = reasoning_item(f"rs_{terminal.id}", "".join(self._reasoning))
                terminal.output.insert(0, item)
        return events


class OpenAIChatCompletionsModel(Model):
    """A model served through the Chat Completions API.

    Args:
        model: The model name sent to the server (e.g. "gpt-4.1-mini", "llama3.2").
        openai_client: The client to call; it holds the API key and the base URL.
    """

    provider_name = "openai"

    def __init__(self, model: str, openai_client: AsyncOpenAI) -> None:
        self.model_name = model
        self._client = openai_client
        self.server_address, self.server_port = server_of(openai_client)

    async def get_response(self, request: ModelRequest) -> ModelResponse:
        """Calls `chat.completions.create` and converts the completion."""
        limits = CallLimits.of(request.settings)
        await bind_to_loop(self._client)
        completion = await create(
            self._client.chat.completions.create(
                **chat_params(self.model_name, request, stream=False), stream=False
            ),
            limits=limits,
            api="Chat Completions",
            model=self.model_name,
            stream=False,
            server=(self.server_address, self.server_port),
        )
        choices = completion.choices
        if choices and len(choices[0].message.tool_calls or ()) > limits.max_tool_calls:
            raise too_many_tool_calls("Chat Completions", self.model_name, limits.max_tool_calls)
        return model_response_from_completion(completion, self.model_name)

    async def stream_response(self, request: ModelRequest) -> AsyncIterator[ResponseStreamEvent]:
        """Streams the completion as Responses events, ending with `response.completed`.

        Usage is asked for with `stream_options={"include_usage": True}` unless
        `ModelSettings.include_usage` is False.
        """
        limits = CallLimits.of(request.settings)
        await bind_to_loop(self._client)
        started = asyncio.get_running_loop().time()
        stream: AsyncStream[ChatCompletionChunk] = await create(
            self._client.chat.completions.create(
                **chat_params(self.model_name, request, stream=True), stream=True
            ),
            limits=limits,
            api="Chat Completions",
            model=self.model_name,
            stream=True,
            server=(self.server_address, self.server_port),
        )
        converter = ChatStreamConverter(self.model_name, max_tool_calls=limits.max_tool_calls)
        chunks = iterate_stream(
            stream,
            api="Chat Completions",
            model=self.model_name,
            limits=limits,
            started=started,
            server=(self.server_address, self.server_port),
        )
        async with aclosing(chunks):  # closes the HTTP response however the caller stops
            async for chunk in chunks:
                for event in converter.feed(chunk):
                    yield event
        for event in converter.finish():
            yield event


def _first_line(exc: BaseException) -> str:
    # Pydantic's messages run over many lines and may quote the payload; the first line names
    # the field, which is what the user needs.
    return str(exc).splitlines()[0][:200] if str(exc) else ""
