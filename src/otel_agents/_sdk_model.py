"""Custom models written for the OpenAI Agents SDK's `Model` interface, called unchanged.

The SDK's models take the call as positional pieces (instructions, input, settings, tool and
handoff objects, output schema, a `ModelTracing`) and return the SDK's `ModelResponse`; this
package's take one `ModelRequest`. `SdkModelAdapter` presents an SDK-style model to the runner
as one of ours, built per turn because it carries that turn's tools and handoffs.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from openai.types.responses import ResponseStreamEvent

from .agent_output import AgentOutputSchema
from .models.interface import Model, ModelRequest, ModelResponse, ModelTracing
from .usage import Usage

if TYPE_CHECKING:
    from .agent import Agent
    from .handoffs import Handoff
    from .tools import FunctionTool

_signature_cache: dict[type[Any], bool] = {}


def uses_sdk_interface(model: Model) -> bool:
    """Whether `model.get_response` takes the SDK's arguments (`system_instructions`, ...)."""
    cls = type(model)
    known = _signature_cache.get(cls)
    if known is None:
        try:
            params = inspect.signature(model.get_response).parameters
        except (TypeError, ValueError):
            params = {}  # type: ignore[assignment]
        known = _signature_cache[cls] = "system_instructions" in params
    return known


def model_tracing(disabled: bool, include_data: bool) -> ModelTracing:
    """The `ModelTracing` the SDK would pass for these run settings."""
    if disabled:
        return ModelTracing.DISABLED
    return ModelTracing.ENABLED if include_data else ModelTracing.ENABLED_WITHOUT_DATA


def _as_ours(response: Any) -> ModelResponse:
    if isinstance(response, ModelResponse) and response.finish_reasons:
        return response
    output = list(response.output)
    usage = response.usage if isinstance(response.usage, Usage) else Usage(requests=1)
    calls = any(getattr(item, "type", None) == "function_call" for item in output)
    return ModelResponse(
        output=output,
        usage=usage,
        response_id=getattr(response, "response_id", None),
        model=getattr(response, "model", None),
        finish_reasons=("tool_calls" if calls else "stop",),
    )


class SdkModelAdapter(Model):
    """An SDK-style model, called with the SDK's arguments for one agent's turn."""

    def __init__(
        self,
        inner: Model,
        agent: Agent[Any],
        tools: list[FunctionTool],
        handoffs: list[Handoff],
        tracing: ModelTracing,
    ) -> None:
        self.inner = inner
        name = getattr(inner, "model_name", None)
        if not isinstance(name, str) or name == Model.model_name:
            model_attr = getattr(inner, "model", None)
            name = model_attr if isinstance(model_attr, str) else type(inner).__name__
        self.model_name = name
        self.provider_name = getattr(inner, "provider_name", Model.provider_name)
        self.server_address = getattr(inner, "server_address", None)
        self.server_port = getattr(inner, "server_port", None)
        self._tools = tools
        self._handoffs = handoffs
        self._tracing = tracing
        schema = AgentOutputSchema.of(agent.output_type)
        self._output_schema = None if schema.is_plain_text() else schema

    def _args(self, request: ModelRequest) -> tuple[Any, ...]:
        return (
            request.system_instructions,
            list(request.input),
            request.settings,
            self._tools,
            self._output_schema,
            self._handoffs,
            self._tracing,
        )

    async def get_response(self, request: ModelRequest) -> ModelResponse:
        response = await self.inner.get_response(  # type: ignore[call-arg]
            *self._args(request), previous_response_id=None, conversation_id=None, prompt=None
        )
        return _as_ours(response)

    def stream_response(self, request: ModelRequest) -> AsyncIterator[ResponseStreamEvent]:
        return self.inner.stream_response(  # type: ignore[call-arg]
            *self._args(request), previous_response_id=None, conversation_id=None, prompt=None
        )
