"""Responses API items -> the GenAI conventions' message shapes (used only when capturing content).

The shapes follow the spec's JSON schemas for `gen_ai.input.messages`, `gen_ai.output.messages` and
`gen_ai.system_instructions` (docs/gen-ai/gen-ai-{input,output}-messages.json and
non-normative/models.py in semantic-conventions-genai): a message is `{"role", "parts"}` and a part
is tagged by `type` (`text`, `tool_call`, `tool_call_response`, `reasoning`, `uri`, `blob`, `file`,
or any other type as a generic part). `finish_reason` is not set on output messages: the spec
deprecated it in favour of `gen_ai.response.finish_reasons`.

Pure functions over plain dicts; unknown item types become generic parts rather than errors.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Literal, TypedDict


class TextPart(TypedDict):
    type: Literal["text"]
    content: str


class ToolCallRequestPart(TypedDict):
    type: Literal["tool_call"]
    id: str | None
    name: str
    arguments: Any


class ToolCallResponsePart(TypedDict):
    type: Literal["tool_call_response"]
    id: str | None
    response: Any


class ReasoningPart(TypedDict):
    type: Literal["reasoning"]
    content: str


class UriPart(TypedDict):
    type: Literal["uri"]
    modality: str
    uri: str


class FilePart(TypedDict):
    type: Literal["file"]
    modality: str
    file_id: str


class GenericPart(TypedDict):
    type: str


MessagePart = (
    TextPart
    | ToolCallRequestPart
    | ToolCallResponsePart
    | ReasoningPart
    | UriPart
    | FilePart
    | GenericPart
)


class ChatMessage(TypedDict):
    role: str
    parts: list[MessagePart]


def system_instructions(text: str) -> list[TextPart]:
    """`gen_ai.system_instructions` for an agent's instructions."""
    return [{"type": "text", "content": text}]


def input_messages(items: Iterable[Mapping[str, Any]]) -> list[ChatMessage]:
    """`gen_ai.input.messages` for the Responses input items sent to the model, in order."""
    messages: list[ChatMessage] = []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        role, parts = _item_to_parts(item)
        # Consecutive items of one role (e.g. parallel tool calls) read as one message.
        if (
            messages
            and messages[-1]["role"] == role
            and item.get("type") != "message"
            and role != "user"
        ):
            messages[-1]["parts"].extend(parts)
        else:
            messages.append({"role": role, "parts": parts})
    return messages


def output_messages(items: Iterable[Mapping[str, Any]]) -> list[ChatMessage]:
    """`gen_ai.output.messages`: one assistant message (one choice) holding every output item."""
    parts: list[MessagePart] = []
    for item in items:
        if isinstance(item, Mapping):
            parts.extend(_item_to_parts(item)[1])
    return [{"role": "assistant", "parts": parts}] if parts else []


def parse_json_or_text(raw: Any) -> Any:
    """Tool arguments/results as an object when they are a JSON document, else as they are."""
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def _item_to_parts(item: Mapping[str, Any]) -> tuple[str, list[MessagePart]]:
    kind = item.get("type")
    if kind == "function_call":
        return "assistant", [
            {
                "type": "tool_call",
                "id": item.get("call_id"),
                "name": str(item.get("name", "")),
                "arguments": parse_json_or_text(item.get("arguments")),
            }
        ]
    if kind == "function_call_output":
        return "tool", [
            {
                "type": "tool_call_response",
                "id": item.get("call_id"),
                "response": parse_json_or_text(item.get("output")),
            }
        ]
    if kind == "reasoning":
        summary = item.get("summary") or []
        text = "\n".join(str(s.get("text", "")) for s in summary if isinstance(s, Mapping))
        return "assistant", [{"type": "reasoning", "content": text}]
    if kind in (None, "message"):
        role = str(item.get("role", "user"))
        return role, _content_parts(item.get("content"))
    return "assistant", [_generic(item)]


def _content_parts(content: Any) -> list[MessagePart]:
    if isinstance(content, str):
        return [{"type": "text", "content": content}]
    parts: list[MessagePart] = []
    for part in content or []:
        if not isinstance(part, Mapping):
            continue
        kind = part.get("type")
        if kind in ("input_text", "output_text", "text"):
            parts.append({"type": "text", "content": str(part.get("text", ""))})
        elif kind == "refusal":
            parts.append({"type": "text", "content": str(part.get("refusal", ""))})
        elif kind == "input_image" and isinstance(part.get("image_url"), str):
            url = part["image_url"]
            if url.startswith("data:"):
                # Inline bytes: record that an image was sent, not the bytes (a generic part).
                parts.append({"type": "input_image"})
            else:
                parts.append({"type": "uri", "modality": "image", "uri": url})
        elif kind in ("input_image", "input_file") and isinstance(part.get("file_id"), str):
            modality = "image" if kind == "input_image" else "document"
            parts.append({"type": "file", "modality": modality, "file_id": part["file_id"]})
        else:
            parts.append(_generic(part))
    return parts


def _generic(item: Mapping[str, Any]) -> GenericPart:
    part: dict[str, Any] = dict(item)
    part["type"] = str(item.get("type", "unknown"))
    return part  # type: ignore[return-value]
