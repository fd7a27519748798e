"""The contract between the runner and a model: one request in, one response (or a stream) out.

Models speak the OpenAI Responses vocabulary on both sides: the input is a list of Responses
input items (plain dicts), the output is a list of `openai.types.responses` output items, and a
stream is a sequence of Responses stream events that ends with `response.completed`. A model for
another wire format (Chat Completions, a scripted test model) translates into this vocabulary, so
the runner and the stream events the user sees are the same whatever the server speaks.

Models know nothing of tracing: the runner times and records every call.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from openai.types.responses import Response, ResponseOutputItem, ResponseStreamEvent

from ..model_settings import ModelSettings
from ..usage import Usage
from ._finish_reason import finish_reason_of

InputItem = dict[str, Any]
"""One Responses API input item, e.g. `{"role": "user", "content": "Hi"}`."""


@dataclass(frozen=True)
class ToolSpec:
    """A function the model may call: what the model sees of a tool or a handoff.

    Attributes:
        name: The tool name the model calls.
        description: What the tool does, for the model.
        parameters: JSON schema of the arguments object.
        strict: Whether the schema is strict (the server must follow it exactly).
    """

    name: str
    description: str
    parameters: dict[str, Any]
    strict: bool = True


@dataclass(frozen=True)
class OutputSpec:
    """Structured final output the model must produce, as a JSON schema.

    Attributes:
        name: A short name for the schema (the output type's name).
        schema: JSON schema of the final output.
        strict: Whether the schema is strict.
    """

    name: str
    schema: dict[str, Any]
    strict: bool = True


@dataclass(frozen=True)
class ModelRequest:
    """Everything a model needs for one call.

    Attributes:
        system_instructions: The agent's instructions, or None.
        input: The conversation so far, as Responses input items.
        settings: Sampling and tool settings.
        tools: Function tools and handoffs, as the model sees them.
        output: Structured output schema, or None for plain text.
    """

    system_instructions: str | None
    input: Sequence[InputItem]
    settings: ModelSettings = field(default_factory=ModelSettings)
    tools: Sequence[ToolSpec] = ()
    output: OutputSpec | None = None


@dataclass
class ModelResponse:
    """One model call's result.

    Attributes:
        output: Output items: messages, function calls, reasoning.
        usage: Tokens used by this call (`requests` is 1).
        response_id: The server's response id, when it gives one.
        model: The model name the server reports, when it gives one.
        finish_reasons: Why generation stopped ("stop", "tool_calls", "length", ...).
    """

    output: list[ResponseOutputItem]
    usage: Usage
    response_id: str | None = None
    model: str | None = None
    finish_reasons: tuple[str, ...] = ()

    @classmethod
    def from_response(cls, response: Response) -> ModelResponse:
        """Builds a ModelResponse from a Responses API `Response` (e.g. `response.completed`)."""
        usage = Usage(requests=1)
        if response.usage is not None:
            u = response.usage
            usage.input_tokens = u.input_tokens
            usage.output_tokens = u.output_tokens
            usage.total_tokens = u.total_tokens
            details = getattr(u, "input_tokens_details", None)
            usage.cached_input_tokens = getattr(details, "cached_tokens", 0) or 0
            usage.cache_write_tokens = getattr(details, "cache_write_tokens", 0) or 0
            out_details = getattr(u, "output_tokens_details", None)
            usage.reasoning_tokens = getattr(out_details, "reasoning_tokens", 0) or 0
        return cls(
            output=list(response.output),
            usage=usage,
            response_id=response.id or None,
            model=response.model or None,
            finish_reasons=(finish_reason_of(response),),
        )


class ModelTracing(enum.Enum):
    """What a model that traces its own calls may record (the OpenAI Agents SDK's enum).

    The runner passes it to models written for the SDK's interface (`get_response(
    system_instructions, input, ...)`); models written for this package's interface are traced by
    the runner and never see it.
    """

    DISABLED = 0
    ENABLED = 1
    ENABLED_WITHOUT_DATA = 2

    def is_disabled(self) -> bool:
        return self == ModelTracing.DISABLED

    def include_data(self) -> bool:
        return self == ModelTracing.ENABLED


class Model(abc.ABC):
    """A model the runner can call, streamed or not.

    Two call interfaces are accepted: this package's (`get_response(request)`), and the OpenAI
    Agents SDK's (`get_response(system_instructions, input, model_settings, tools, output_schema,
    handoffs, tracing, *, previous_response_id, conversation_id, prompt)`, the same for
    `stream_response`), so a custom model written for the SDK works unchanged; the runner tells
    them apart by the parameter names.

    Attributes:
        model_name: The model name sent to the server (e.g. "gpt-4.1-mini").
        provider_name: The GenAI provider name (e.g. "openai"), for telemetry.
        server_address: Host of the server, when there is one.
        server_port: Port of the server, when there is one.
    """

    model_name: str = "unknown"
    provider_name: str = "openai"
    server_address: str | None = None
    server_port: int | None = None

    @abc.abstractmethod
    async def get_response(self, request: ModelRequest) -> ModelResponse:
        """Calls the model and returns its whole response."""

    @abc.abstractmethod
    def stream_response(self, request: ModelRequest) -> AsyncIterator[ResponseStreamEvent]:
        """Calls the model and yields Responses stream events.

        The last event must be a `response.completed` event carrying the whole `Response`
        (output and usage); a stream that ends without it is an error of the model.
        """


class ModelProvider(abc.ABC):
    """Turns a model name from `Agent.model` or `RunConfig.model` into a `Model`."""

    @abc.abstractmethod
    def get_model(self, model_name: str | None) -> Model:
        """Returns the model for `model_name`, or the default model when it is None."""
