"""Where the SDK's telemetry differs from otel-agents' own, and why: the table the README shows.

Each entry says what differs and turns our runner's normalized tree into what the SDK's run is
expected to give, so the parity tests assert the whole tree, differences included: a new
difference, or one that goes away, fails them.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

Tree = list[dict[str, Any]]


@dataclass(frozen=True)
class Difference:
    """One known difference: where, what the SDK gives, why, and the tree transform."""

    where: str
    sdk: str
    why: str
    applies: Callable[[Any], bool]  # (Options) -> whether it shows in that scenario
    transform: Callable[[dict[str, Any]], None]  # applied to every span node of our tree


def _spans(tree: Tree) -> Iterator[dict[str, Any]]:
    for node in tree:
        yield node
        yield from _spans(node.get("children", []))


def _tools(node: dict[str, Any]) -> bool:
    return str(node["name"]).startswith("execute_tool ")


def _chats(node: dict[str, Any]) -> bool:
    return str(node["name"]).startswith("chat")


def _no_description(node: dict[str, Any]) -> None:
    if _tools(node):
        node["attributes"].pop("gen_ai.tool.description", None)


def _untyped_tool_errors(node: dict[str, Any]) -> None:
    if _tools(node) and "status" in node:
        node["status"] = ["ERROR", "_OTHER"]
        node["attributes"]["error.type"] = "_OTHER"
        node["events"] = [["exception", {"exception.type": "_OTHER"}]]


def _no_chunk_timing(node: dict[str, Any]) -> None:
    if _chats(node):
        for key in (
            "gen_ai.response.time_to_first_chunk",
            "otel_agents.response.chunk_count",
            "otel_agents.response.output_chunk_count",
        ):
            node["attributes"].pop(key, None)


def _no_response(node: dict[str, Any]) -> None:
    attrs = node["attributes"]
    if _chats(node):
        node["name"] = "chat"
        for key in (
            "gen_ai.request.model",
            "gen_ai.response.model",
            "gen_ai.response.id",
            "gen_ai.response.finish_reasons",
        ):
            attrs.pop(key, None)
    elif str(node["name"]).startswith("invoke_agent "):
        attrs.pop("gen_ai.request.model", None)
    elif _tools(node):
        attrs.pop("gen_ai.tool.call.id", None)


DIFFERENCES: tuple[Difference, ...] = (
    Difference(
        "`execute_tool`: `gen_ai.tool.description`",
        "absent",
        "the SDK's function span carries the tool name only",
        lambda o: True,
        _no_description,
    ),
    Difference(
        "`execute_tool` of a failing tool: `error.type`, status, exception event",
        "`_OTHER` (ours: the exception type, e.g. `ValueError`)",
        "the SDK catches the tool's exception and records only a message",
        lambda o: True,
        _untyped_tool_errors,
    ),
    Difference(
        "streamed `chat`: `gen_ai.response.time_to_first_chunk`, chunk counts, and the "
        "time-to-first-chunk / time-per-output-chunk metrics",
        "absent (`gen_ai.request.stream` is true)",
        "the SDK does not time or count stream chunks",
        lambda o: o.stream,
        _no_chunk_timing,
    ),
    Difference(
        "with `trace_include_sensitive_data=False`: `chat` name and `gen_ai.request.model`, "
        "`gen_ai.response.model`, `.id`, `.finish_reasons`; agent `gen_ai.request.model`; "
        "`gen_ai.tool.call.id`",
        "`chat` without a model; these attributes absent",
        "the SDK then withholds the `Response` from processors (we export no content "
        "either way unless capture is on, so keep the SDK's default)",
        lambda o: not o.sensitive,
        _no_response,
    ),
)


def expected_sdk_tree(ours: Tree, options: Any) -> Tree:
    """Our runner's tree with the differences that apply to `options`."""
    tree = copy.deepcopy(ours)
    for difference in DIFFERENCES:
        if difference.applies(options):
            for node in _spans(tree):
                difference.transform(node)
    return tree
