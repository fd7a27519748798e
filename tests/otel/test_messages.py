"""Responses API items -> the GenAI conventions' message shapes."""

from __future__ import annotations

from typing import Any

import pytest

from otel_agents.otel.messages import input_messages, output_messages, parse_json_or_text


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        pytest.param(
            [{"role": "system", "content": "Be nice"}, {"role": "user", "content": "Hi"}],
            [
                {"role": "system", "parts": [{"type": "text", "content": "Be nice"}]},
                {"role": "user", "parts": [{"type": "text", "content": "Hi"}]},
            ],
            id="plain-strings",
        ),
        pytest.param(
            [
                {
                    "type": "message",
                    "role": "user",
                    "content": [
                        {"type": "input_text", "text": "Look"},
                        {"type": "input_image", "image_url": "https://x/cat.png"},
                        {"type": "input_image", "image_url": "data:image/png;base64,AAAA"},
                        {"type": "input_file", "file_id": "file_1"},
                    ],
                }
            ],
            [
                {
                    "role": "user",
                    "parts": [
                        {"type": "text", "content": "Look"},
                        {"type": "uri", "modality": "image", "uri": "https://x/cat.png"},
                        {"type": "input_image"},
                        {"type": "file", "modality": "document", "file_id": "file_1"},
                    ],
                }
            ],
            id="multimodal-without-inline-bytes",
        ),
        pytest.param(
            [
                {"type": "function_call", "call_id": "a", "name": "f", "arguments": "{}"},
                {"type": "function_call", "call_id": "b", "name": "g", "arguments": "not json"},
                {"type": "function_call_output", "call_id": "a", "output": '{"ok": 1}'},
                {"type": "function_call_output", "call_id": "b", "output": "plain"},
            ],
            [
                {
                    "role": "assistant",
                    "parts": [
                        {"type": "tool_call", "id": "a", "name": "f", "arguments": {}},
                        {"type": "tool_call", "id": "b", "name": "g", "arguments": "not json"},
                    ],
                },
                {
                    "role": "tool",
                    "parts": [
                        {"type": "tool_call_response", "id": "a", "response": {"ok": 1}},
                        {"type": "tool_call_response", "id": "b", "response": "plain"},
                    ],
                },
            ],
            id="parallel-tool-calls-grouped",
        ),
        pytest.param(
            [{"type": "reasoning", "summary": [{"text": "think"}]}, {"type": "web_search_call"}],
            [
                {
                    "role": "assistant",
                    "parts": [
                        {"type": "reasoning", "content": "think"},
                        {"type": "web_search_call"},
                    ],
                }
            ],
            id="reasoning-and-unknown",
        ),
        pytest.param(["not a dict"], [], id="garbage-skipped"),
    ],
)
def test_input_messages(items: list[Any], expected: list[dict[str, Any]]) -> None:
    assert input_messages(items) == expected


def test_output_is_one_assistant_message() -> None:
    items = [
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "A"}]},
        {"type": "function_call", "call_id": "c", "name": "f", "arguments": '{"x": 1}'},
    ]
    assert output_messages(items) == [
        {
            "role": "assistant",
            "parts": [
                {"type": "text", "content": "A"},
                {"type": "tool_call", "id": "c", "name": "f", "arguments": {"x": 1}},
            ],
        }
    ]
    assert output_messages([]) == []


def test_parse_json_or_text() -> None:
    assert parse_json_or_text('{"a": 1}') == {"a": 1}
    assert parse_json_or_text("nope") == "nope"
    assert parse_json_or_text(3) == 3
