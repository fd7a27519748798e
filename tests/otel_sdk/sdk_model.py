"""A fake `agents.Model` (the upstream SDK's model interface) that plays a `ScriptedModel` script.

It records its calls the way the SDK's own `OpenAIResponsesModel` does: a `response_span` around
each call, with the `Response` and the input set when the SDK includes sensitive data, and the
usage always; for streams, at the `response.completed` event. The replies, ids and token counts
come from our `ScriptedModel`, so the same script gives the same responses on both runners.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from agents import ModelResponse, Usage
from agents.models.interface import Model, ModelTracing
from agents.tracing import response_span
from agents.usage import InputTokensDetails, OutputTokensDetails, model_usage_to_span_usage
from openai.types.responses import Response

from otel_agents.models import ScriptedModel
from otel_agents.models.interface import ModelRequest


def _usage(response: Response) -> Usage:
    u = response.usage
    assert u is not None
    return Usage(
        requests=1,
        input_tokens=u.input_tokens,
        output_tokens=u.output_tokens,
        total_tokens=u.total_tokens,
        input_tokens_details=InputTokensDetails(cached_tokens=0, cache_write_tokens=0),
        output_tokens_details=OutputTokensDetails(reasoning_tokens=0),
    )


class SdkScriptedModel(Model):
    """An SDK `Model` answering from `script` (a `ScriptedModel`)."""

    def __init__(self, script: ScriptedModel) -> None:
        self.script = script

    def _request(self, system_instructions: str | None, input: Any) -> ModelRequest:
        items = [{"role": "user", "content": input}] if isinstance(input, str) else list(input)
        return ModelRequest(system_instructions, items)

    async def get_response(
        self,
        system_instructions: str | None,
        input: Any,
        model_settings: Any,
        tools: Any,
        output_schema: Any,
        handoffs: Any,
        tracing: ModelTracing,
        *,
        previous_response_id: str | None = None,
        conversation_id: str | None = None,
        prompt: Any = None,
    ) -> ModelResponse:
        with response_span(disabled=tracing.is_disabled()) as span:
            response = self.script.render_response(self._request(system_instructions, input))
            usage = _usage(response)
            span.span_data.usage = model_usage_to_span_usage(usage)
            if tracing.include_data():
                span.span_data.response = response
                span.span_data.input = input
        return ModelResponse(output=response.output, usage=usage, response_id=response.id)

    async def stream_response(
        self,
        system_instructions: str | None,
        input: Any,
        model_settings: Any,
        tools: Any,
        output_schema: Any,
        handoffs: Any,
        tracing: ModelTracing,
        *,
        previous_response_id: str | None = None,
        conversation_id: str | None = None,
        prompt: Any = None,
    ) -> AsyncIterator[Any]:
        with response_span(disabled=tracing.is_disabled()) as span:
            for event in self.script.render_stream(self._request(system_instructions, input)):
                if event.type == "response.completed":
                    span.span_data.usage = model_usage_to_span_usage(_usage(event.response))
                    if tracing.include_data():
                        span.span_data.response = event.response
                        span.span_data.input = input
                yield event
