"""Pure conversions between the runner's Responses vocabulary and the Chat Completions API.

Requests: Responses input items become chat messages (consecutive function calls merge into one
assistant message with `tool_calls`, as Chat Completions wants), tool specs become chat tools and
an output schema becomes `response_format`. Responses: a `ChatCompletion` becomes a
`ModelResponse` of Responses output items. The streamed direction lives in `openai_chat.py`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from openai.types import CompletionUsage
from openai.types.chat import ChatCompletion
from openai.types.responses import ResponseOutputItem, ResponseReasoningItem
from openai.types.responses.response_reasoning_item import Summary

from ..exceptions import ModelBehaviorError, UserError
from ..usage import Usage
from ._openai_shared import replayable_arguments
from ._responses_events import function_call_item, output_message
from .interface import InputItem, ModelRequest, ModelResponse, ToolSpec

__all__ = [
    "chat_params",
    "item_ids",
    "model_response_from_completion",
    "reasoning_item",
    "reasoning_text",
    "to_chat_messages",
    "usage_from_chat",
]

_TEXT_PARTS = ("input_text", "output_text", "text")


def item_ids(response_id: str) -> Callable[[str], str]:
    """Item ids for a chat response, which has none: "msg_<response id>_<n>", "fc_..."."""
    counter = 0

    def new_id(kind: str) -> str:
        nonlocal counter
        counter += 1
        return f"{kind}_{response_id}_{counter}"

    return new_id


def _text_of(content: Any) -> str:
    """The text of a str or of a list of text parts (other parts are dropped)."""
    if isinstance(content, str):
        return content
    texts = []
    for part in content or ():
        if isinstance(part, dict) and part.get("type") in _TEXT_PARTS:
            texts.append(str(part.get("text", "")))
        elif isinstance(part, str):
            texts.append(part)
    return "".join(texts)


def _user_part(part: Any) -> dict[str, Any]:
    kind = part.get("type") if isinstance(part, dict) else None
    if kind in _TEXT_PARTS:
        return {"type": "text", "text": part["text"]}
    if kind == "input_image" and part.get("image_url"):
        return {
            "type": "image_url",
            "image_url": {"url": part["image_url"], "detail": part.get("detail") or "auto"},
        }
    if kind == "input_file":
        file = {k: part[k] for k in ("file_data", "file_id", "filename") if part.get(k)}
        return {"type": "file", "file": file}
    raise UserError(
        f"The Chat Completions API cannot take the content part {kind!r}; use text, images by "
        "URL or files, or the Responses API (set_default_openai_api('responses'))"
    )


def _user_content(content: Any) -> Any:
    if isinstance(content, str):
        return content
    return [_user_part(part) for part in content]


def to_chat_messages(instructions: str | None, items: Sequence[InputItem]) -> list[dict[str, Any]]:
    """Responses input items (and the agent's instructions) as Chat Completions messages."""
    messages: list[dict[str, Any]] = []
    if instructions is not None:
        messages.append({"role": "system", "content": instructions})
    # The assistant message that the next function calls join; None after any other item.
    assistant: dict[str, Any] | None = None
    for item in items:
        kind = item.get("type")
        role = item.get("role")
        if kind == "function_call":
            if assistant is None:
                assistant = {"role": "assistant", "content": None}
                messages.append(assistant)
            assistant.setdefault("tool_calls", []).append(
                {
                    "id": item["call_id"],
                    "type": "function",
                    "function": {
                        "name": item["name"],
                        "arguments": replayable_arguments(item["arguments"]),
                    },
                }
            )
            continue
        assistant = None
        if kind == "function_call_output":
            output = item.get("output", "")
            text = output if isinstance(output, str) else _text_of(output) or json.dumps(output)
            messages.append({"role": "tool", "tool_call_id": item["call_id"], "content": text})
        elif kind in (None, "message") and role in ("system", "developer"):
            # "developer" is OpenAI's newer name for "system"; local servers know only "system".
            messages.append({"role": "system", "content": _text_of(item.get("content"))})
        elif kind in (None, "message") and role == "user":
            messages.append({"role": "user", "content": _user_content(item.get("content", ""))})
        elif kind in (None, "message") and role == "assistant":
            content = item.get("content")
            assistant = {"role": "assistant", "content": _text_of(content)}
            refusals = [
                p["refusal"]
                for p in (content if isinstance(content, list) else ())
                if isinstance(p, dict) and p.get("type") == "refusal"
            ]
            if refusals:
                assistant["refusal"] = "".join(refusals)
            messages.append(assistant)
        elif kind == "reasoning":
            continue  # Chat Completions has no place for reasoning items; they are dropped.
        else:
            raise UserError(
                f"The Chat Completions API cannot take the input item {kind or role!r}; use "
                "messages, function calls and function call outputs, or the Responses API"
            )
    return messages


def _chat_tool(spec: ToolSpec) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": spec.name,
            "description": spec.description,
            "parameters": spec.parameters,
            "strict": spec.strict,
        },
    }


def chat_params(model: str, request: ModelRequest, *, stream: bool) -> dict[str, Any]:
    """The keyword arguments of `chat.completions.create` for a request (without `stream`)."""
    params: dict[str, Any] = {
        "model": model,
        "messages": to_chat_messages(request.system_instructions, request.input),
    }
    s = request.settings
    if request.tools:
        params["tools"] = [_chat_tool(t) for t in request.tools]
        # Tool settings without tools are rejected by the API, so they go only with tools.
        if s.tool_choice is not None:
            params["tool_choice"] = (
                s.tool_choice
                if s.tool_choice in ("auto", "required", "none")
                else {"type": "function", "function": {"name": s.tool_choice}}
            )
        if s.parallel_tool_calls is not None:
            params["parallel_tool_calls"] = s.parallel_tool_calls
    if request.output is not None:
        params["response_format"] = {
            "type": "json_schema",
            "json_schema": {
                "name": request.output.name,
                "schema": request.output.schema,
                "strict": request.output.strict,
            },
        }
    if s.temperature is not None:
        params["temperature"] = s.temperature
    if s.top_p is not None:
        params["top_p"] = s.top_p
    if s.max_tokens is not None:
        # `max_tokens`, not `max_completion_tokens`: vLLM, Ollama and LM Studio all accept it.
        params["max_tokens"] = s.max_tokens
    if stream and s.include_usage is not False:
        params["stream_options"] = {"include_usage": True}
    return params


def usage_from_chat(usage: CompletionUsage | None) -> Usage:
    """A chat completion's usage as ours (zeros when the server reported none)."""
    result = Usage(requests=1)
    if usage is None:
        return result
    result.input_tokens = usage.prompt_tokens or 0
    result.output_tokens = usage.completion_tokens or 0
    result.total_tokens = usage.total_tokens or (result.input_tokens + result.output_tokens)
    if usage.prompt_tokens_details is not None:
        result.cached_input_tokens = usage.prompt_tokens_details.cached_tokens or 0
    result.cache_write_tokens = chat_cache_write(usage)
    if usage.completion_tokens_details is not None:
        result.reasoning_tokens = usage.completion_tokens_details.reasoning_tokens or 0
    return result


def chat_cache_write(usage: CompletionUsage) -> int:
    """Prompt tokens written to the cache, where the server reports them: OpenAI's
    `prompt_tokens_details.cache_write_tokens`, or Anthropic's OpenAI-compatible endpoint's
    `cache_creation_input_tokens` beside the usual fields."""
    details = usage.prompt_tokens_details
    for value in (
        getattr(details, "cache_write_tokens", None),
        getattr(usage, "cache_creation_input_tokens", None),
    ):
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return 0


def reasoning_text(message_or_delta: Any) -> str:
    """The reasoning a server sent beside the reply (`reasoning_content`, as DeepSeek and
    llama.cpp send it, or `reasoning`); "" when there is none."""
    for name in ("reasoning_content", "reasoning"):
        value = getattr(message_or_delta, name, None)
        if isinstance(value, str) and value:
            return value
    return ""


def reasoning_item(item_id: str, text: str) -> ResponseReasoningItem:
    """Chat Completions reasoning as a Responses reasoning item (a summary, as the SDK makes it)."""
    return ResponseReasoningItem(
        id=item_id, type="reasoning", summary=[Summary(text=text, type="summary_text")]
    )


def model_response_from_completion(completion: ChatCompletion, model: str) -> ModelResponse:
    """A (non-streamed) chat completion as a `ModelResponse`; only the first choice is used."""
    if not completion.choices:
        raise ModelBehaviorError(f"The Chat Completions response of model {model!r} has no choices")
    choice = completion.choices[0]
    message = choice.message
    new_id = item_ids(completion.id)
    output: list[ResponseOutputItem] = []
    reasoning = reasoning_text(message)
    if reasoning:
        output.append(reasoning_item(new_id("rs"), reasoning))
    tool_calls = message.tool_calls or []
    # A reply with neither text nor tool calls still is a (empty) message: the final output.
    if message.refusal or message.content or not tool_calls:
        text = message.content or (None if message.refusal else "")
        output.append(output_message(new_id("msg"), text, refusal=message.refusal))
    for call in tool_calls:
        if call.type != "function":
            raise ModelBehaviorError(
                f"Model {model!r} made a {call.type!r} tool call; only function tools are offered"
            )
        output.append(
            function_call_item(new_id("fc"), call.id, call.function.name, call.function.arguments)
        )
    return ModelResponse(
        output=output,
        usage=usage_from_chat(completion.usage),
        response_id=completion.id or None,
        model=completion.model or None,
        finish_reasons=(choice.finish_reason,) if choice.finish_reason else (),
    )
