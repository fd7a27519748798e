"""The events `RunResultStreaming.stream_events()` yields, tagged by `type` as in the seed.

- `RawResponsesStreamEvent`: a raw Responses API stream event from the model; text deltas have
  `.delta`, whatever API the server speaks.
- `RunItemStreamEvent`: a new run item (message, tool call, tool output, handoff, reasoning), with
  its `name`.
- `AgentUpdatedStreamEvent`: the current agent changed (first for the starting agent, then on
  every handoff).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from openai.types.responses import ResponseStreamEvent

from .items import RunItem

if TYPE_CHECKING:
    from .agent import Agent

RunItemEventName = Literal[
    "message_output_created",
    "handoff_requested",
    # Misspelled upstream; kept so code written for the OpenAI Agents SDK works unchanged.
    "handoff_occured",
    "tool_called",
    "tool_output",
    "reasoning_item_created",
]


@dataclass(slots=True)
class RawResponsesStreamEvent:
    """A raw streaming event from the model (e.g. `response.output_text.delta`)."""

    data: ResponseStreamEvent
    type: Literal["raw_response_event"] = "raw_response_event"


@dataclass(slots=True)
class RunItemStreamEvent:
    """A run item was created: a message, a tool call or its output, a handoff."""

    name: RunItemEventName
    item: RunItem
    type: Literal["run_item_stream_event"] = "run_item_stream_event"


@dataclass(slots=True)
class AgentUpdatedStreamEvent:
    """A new agent is running."""

    new_agent: Agent[Any]
    type: Literal["agent_updated_stream_event"] = "agent_updated_stream_event"


StreamEvent = RawResponsesStreamEvent | RunItemStreamEvent | AgentUpdatedStreamEvent
"""Any event of a streamed run."""
