"""What a run produces: messages, tool calls and their outputs, handoffs.

Each item keeps the agent that produced it and the raw Responses API object (`raw_item`), so the
seed's `item.raw_item.name` works for tool calls, and `to_input_item()` turns it back into an input
item for the next turn or the next run (`RunResult.to_input_list()`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from openai.types.responses import (
    ResponseFunctionToolCall,
    ResponseOutputMessage,
    ResponseOutputRefusal,
    ResponseOutputText,
    ResponseReasoningItem,
)

from .exceptions import ModelBehaviorError
from .models.interface import InputItem

if TYPE_CHECKING:
    from .agent import Agent


def _dump(raw: Any) -> InputItem:
    if isinstance(raw, dict):
        return dict(raw)
    dumped: InputItem = raw.model_dump(exclude_none=True, exclude_unset=True)
    return dumped


@dataclass
class MessageOutputItem:
    """A message from the model (text or structured output)."""

    agent: Agent[Any]
    raw_item: ResponseOutputMessage
    type: Literal["message_output_item"] = "message_output_item"

    def to_input_item(self) -> InputItem:
        return _dump(self.raw_item)


@dataclass
class ToolCallItem:
    """The model's call of a function tool; `raw_item` has `.name`, `.arguments`, `.call_id`."""

    agent: Agent[Any]
    raw_item: ResponseFunctionToolCall
    type: Literal["tool_call_item"] = "tool_call_item"

    @property
    def tool_name(self) -> str | None:
        """The name of the called tool."""
        return self.raw_item.name

    @property
    def call_id(self) -> str | None:
        """The model's id for this call (matches the output item's `call_id`)."""
        return self.raw_item.call_id

    def to_input_item(self) -> InputItem:
        return _dump(self.raw_item)


@dataclass
class ToolCallOutputItem:
    """A tool's result: `output` is what the function returned, `raw_item` what the model sees."""

    agent: Agent[Any]
    raw_item: InputItem
    output: Any
    type: Literal["tool_call_output_item"] = "tool_call_output_item"

    @property
    def call_id(self) -> str | None:
        """The id of the call this output answers."""
        cid = self.raw_item.get("call_id")
        return str(cid) if cid is not None else None

    def to_input_item(self) -> InputItem:
        return dict(self.raw_item)


@dataclass
class HandoffCallItem:
    """The model's call of a handoff tool (`transfer_to_<agent>`)."""

    agent: Agent[Any]
    raw_item: ResponseFunctionToolCall
    type: Literal["handoff_call_item"] = "handoff_call_item"

    def to_input_item(self) -> InputItem:
        return _dump(self.raw_item)


@dataclass
class HandoffOutputItem:
    """The result of a handoff: the conversation moved from `source_agent` to `target_agent`."""

    agent: Agent[Any]
    raw_item: InputItem
    source_agent: Agent[Any]
    target_agent: Agent[Any]
    type: Literal["handoff_output_item"] = "handoff_output_item"

    def to_input_item(self) -> InputItem:
        return dict(self.raw_item)


@dataclass
class ReasoningItem:
    """The model's reasoning (a summary, or encrypted content), where the API returns it."""

    agent: Agent[Any]
    raw_item: ResponseReasoningItem
    type: Literal["reasoning_item"] = "reasoning_item"

    def to_input_item(self) -> InputItem:
        return _dump(self.raw_item)


RunItem = (
    MessageOutputItem
    | ToolCallItem
    | ToolCallOutputItem
    | HandoffCallItem
    | HandoffOutputItem
    | ReasoningItem
)
"""Any item a run produces."""


def function_call_output(call_id: str, output: str) -> InputItem:
    """The input item that gives a tool's result back to the model."""
    return {"type": "function_call_output", "call_id": call_id, "output": output}


class ItemHelpers:
    """Small conversions between items, messages and text."""

    @staticmethod
    def extract_last_content(message: Any) -> str:
        """The last part of a message: its text, or its refusal; "" for anything else.

        Raises:
            ModelBehaviorError: The last part is neither text nor a refusal.
        """
        if not isinstance(message, ResponseOutputMessage) or not message.content:
            return ""
        last = message.content[-1]
        if isinstance(last, ResponseOutputText):
            return last.text or ""
        if isinstance(last, ResponseOutputRefusal):
            return last.refusal
        raise ModelBehaviorError(f"Unexpected content type: {type(last)}")

    @staticmethod
    def extract_last_text(message: Any) -> str | None:
        """The text of a message's last part; None when it is a refusal or not a message."""
        if isinstance(message, ResponseOutputMessage) and message.content:
            last = message.content[-1]
            if isinstance(last, ResponseOutputText):
                return last.text
        return None

    @staticmethod
    def extract_text(message: Any) -> str | None:
        """All the text parts of a message, joined; None when there is none (refusals ignored)."""
        if not isinstance(message, ResponseOutputMessage):
            return None
        text = "".join(p.text or "" for p in message.content if isinstance(p, ResponseOutputText))
        return text or None

    @staticmethod
    def extract_refusal(message: Any) -> str | None:
        """All the refusal parts of a message, joined; None when there is none."""
        if not isinstance(message, ResponseOutputMessage):
            return None
        refusal = "".join(
            p.refusal or "" for p in message.content if isinstance(p, ResponseOutputRefusal)
        )
        return refusal or None

    @staticmethod
    def text_message_output(item: MessageOutputItem) -> str:
        """The text of one message item (all its text parts joined)."""
        return "".join(
            part.text for part in item.raw_item.content if isinstance(part, ResponseOutputText)
        )

    @staticmethod
    def text_message_outputs(items: Sequence[RunItem]) -> str:
        """The text of every message item in `items`, joined."""
        return "".join(
            ItemHelpers.text_message_output(item)
            for item in items
            if isinstance(item, MessageOutputItem)
        )

    @staticmethod
    def input_to_new_input_list(input: str | Sequence[InputItem]) -> list[InputItem]:
        """A user string becomes one user message; a list of input items is copied."""
        if isinstance(input, str):
            return [{"role": "user", "content": input}]
        return [dict(item) for item in input]
