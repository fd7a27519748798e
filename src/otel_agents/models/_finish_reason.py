"""The finish reason of a Responses API response, which has none of its own.

Apart from `interface.py` so that the OpenTelemetry bridge (for the upstream SDK's spans) uses it
without loading the openai package: a `Response` is only read here, never built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openai.types.responses import Response

__all__ = ["finish_reason_of"]


def finish_reason_of(response: Response) -> str:
    """The Chat-Completions-style finish reason of a Responses API response.

    The Responses API has no finish reason; the GenAI conventions want one, so it is derived:
    "length"/"content_filter" from `incomplete_details`, "tool_calls" when the output calls a
    function, "stop" otherwise.
    """
    details = response.incomplete_details
    if details is not None and details.reason is not None:
        return "length" if details.reason == "max_output_tokens" else str(details.reason)
    if any(getattr(item, "type", None) == "function_call" for item in response.output):
        return "tool_calls"
    return "stop"
