"""`OpenAIResponsesModel`: a `Model` on the OpenAI Responses API (`client.responses.create`).

The Responses API already speaks the runner's vocabulary, so this module only turns a
`ModelRequest` into request parameters and checks that a stream ends with `response.completed`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

from openai import AsyncOpenAI, AsyncStream
from openai.types.responses import ResponseCompletedEvent, ResponseStreamEvent

from ..exceptions import ModelBehaviorError
from ._limits import CallLimits, too_many_tool_calls
from ._loops import bind_to_loop
from ._openai_shared import create, iterate_stream, replayable_arguments, server_of
from .interface import InputItem, Model, ModelRequest, ModelResponse, OutputSpec, ToolSpec

__all__ = ["OpenAIResponsesModel", "responses_params"]


def _tool(spec: ToolSpec) -> dict[str, Any]:
    return {
        "type": "function",
        "name": spec.name,
        "description": spec.description,
        "parameters": spec.parameters,
        "strict": spec.strict,
    }


def _text_format(output: OutputSpec) -> dict[str, Any]:
    return {
        "format": {
            "type": "json_schema",
            "name": output.name,
            "schema": output.schema,
            "strict": output.strict,
        }
    }


def _input_item(item: InputItem) -> InputItem:
    """An input item in the form every Responses server accepts (OpenAI's is the most lenient).

    A tool call's arguments that are not a JSON object are wrapped (see `replayable_arguments`),
    and a message written as `{"role": ..., "content": ...}` gets its `"type": "message"`, which
    llama.cpp requires (400 without it).
    """
    kind = item.get("type")
    if kind == "function_call" and isinstance(item.get("arguments"), str):
        arguments = replayable_arguments(item["arguments"])
        if arguments != item["arguments"]:
            return {**item, "arguments": arguments}
    elif kind is None and "role" in item:
        return {"type": "message", **item}
    return item


def responses_params(model: str, request: ModelRequest) -> dict[str, Any]:
    """The keyword arguments of `responses.create` for a request (pure, for tests too)."""
    params: dict[str, Any] = {"model": model, "input": [_input_item(i) for i in request.input]}
    if request.system_instructions is not None:
        params["instructions"] = request.system_instructions
    if request.tools:
        params["tools"] = [_tool(t) for t in request.tools]
    if request.output is not None:
        params["text"] = _text_format(request.output)
    s = request.settings
    if s.temperature is not None:
        params["temperature"] = s.temperature
    if s.top_p is not None:
        params["top_p"] = s.top_p
    if s.max_tokens is not None:
        params["max_output_tokens"] = s.max_tokens
    # Tool settings without tools are rejected by the API, so they go only with tools.
    if request.tools:
        if s.tool_choice is not None:
            params["tool_choice"] = (
                s.tool_choice
                if s.tool_choice in ("auto", "required", "none")
                else {"type": "function", "name": s.tool_choice}
            )
        if s.parallel_tool_calls is not None:
            params["parallel_tool_calls"] = s.parallel_tool_calls
    return params


def _is_terminal(event: ResponseStreamEvent) -> bool:
    return event.type in ("response.completed", "response.incomplete")


class OpenAIResponsesModel(Model):
    """A model served through the OpenAI Responses API.

    Args:
        model: The model name sent to the server (e.g. "gpt-4.1-mini").
        openai_client: The client to call; it holds the API key and the base URL.
    """

    provider_name = "openai"

    def __init__(self, model: str, openai_client: AsyncOpenAI) -> None:
        self.model_name = model
        self._client = openai_client
        self.server_address, self.server_port = server_of(openai_client)

    async def get_response(self, request: ModelRequest) -> ModelResponse:
        """Calls `responses.create` and returns the whole response."""
        limits = CallLimits.of(request.settings)
        await bind_to_loop(self._client)
        response = await create(
            self._client.responses.create(
                **responses_params(self.model_name, request), stream=False
            ),
            limits=limits,
            api="Responses",
            model=self.model_name,
            stream=False,
            server=(self.server_address, self.server_port),
        )
        calls = sum(1 for item in response.output if item.type == "function_call")
        if calls > limits.max_tool_calls:
            raise too_many_tool_calls("Responses", self.model_name, limits.max_tool_calls)
        return ModelResponse.from_response(response)

    async def stream_response(self, request: ModelRequest) -> AsyncIterator[ResponseStreamEvent]:
        """Calls `responses.create(stream=True)` and yields the server's events as they come.

        A `response.incomplete` terminal event (the output hit `max_output_tokens` or a content
        filter) is yielded as `response.completed` carrying the same response, whose
        `incomplete_details` keep the reason: the runner's contract is one terminal event.
        `response.failed` and `error` events raise `ModelBehaviorError`.
        """
        limits = CallLimits.of(request.settings)
        await bind_to_loop(self._client)
        started = asyncio.get_running_loop().time()
        stream: AsyncStream[ResponseStreamEvent] = await create(
            self._client.responses.create(
                **responses_params(self.model_name, request), stream=True
            ),
            limits=limits,
            api="Responses",
            model=self.model_name,
            stream=True,
            server=(self.server_address, self.server_port),
        )
        completed = False
        calls = 0
        events = iterate_stream(
            stream,
            api="Responses",
            model=self.model_name,
            limits=limits,
            started=started,
            server=(self.server_address, self.server_port),
            terminal=_is_terminal,
        )
        async with aclosing(events):  # closes the HTTP response however the caller stops
            async for event in events:
                if (
                    event.type == "response.output_item.added"
                    and event.item.type == "function_call"
                ):
                    calls += 1
                    if calls > limits.max_tool_calls:
                        raise too_many_tool_calls(
                            "Responses", self.model_name, limits.max_tool_calls
                        )
                elif event.type == "response.incomplete":
                    event = ResponseCompletedEvent(
                        response=event.response,
                        sequence_number=event.sequence_number,
                        type="response.completed",
                    )
                elif event.type == "response.failed":
                    error = event.response.error
                    detail = f"{error.code}: {error.message}" if error is not None else "no details"
                    raise ModelBehaviorError(
                        f"Model {self.model_name!r} failed to produce a response ({detail})"
                    )
                elif event.type == "error":
                    raise ModelBehaviorError(
                        f"The Responses stream of model {self.model_name!r} reported an error "
                        f"({event.code}: {event.message})"
                    )
                yield event
                if event.type == "response.completed":
                    completed = True
                    break  # the terminal event
        if not completed:
            raise ModelBehaviorError(
                f"The Responses stream of model {self.model_name!r} ended without "
                "response.completed: the server closed the stream early or is not fully "
                "compatible with the Responses API; retry, or use the Chat Completions API "
                "(set_default_openai_api('chat_completions') or OTEL_AGENTS_OPENAI_API)"
            )
