"""Metric attribute sets: built once per agent, model, tool or workflow, cleaned and bounded.

Each set holds exactly the attributes the conventions define for its metric (their attribute lists
are closed): model calls carry operation, provider, models and server, never the agent; agent and
tool metrics carry their names, never the provider. Never ids or content. Every string is cleaned
and cut at `METRIC_VALUE_LIMIT` characters, so a 200 KB workflow name cannot become a 200 KB
series label.
"""

from __future__ import annotations

from typing import Any

from opentelemetry.util.types import AttributeValue

from . import semconv as sc
from .capture import metric_value

Attributes = dict[str, AttributeValue]


def chat_attributes(key: tuple[Any, ...]) -> tuple[Attributes, Attributes, Attributes]:
    """(operation attributes, with token type input, with token type output) of a model call;
    `key` is (provider, requested model, response model, server address, server port)."""
    provider, model, response_model, address, port = key
    attrs: Attributes = {sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT}
    put(attrs, sc.GEN_AI_PROVIDER_NAME, provider)
    put(attrs, sc.GEN_AI_REQUEST_MODEL, model)
    put(attrs, sc.GEN_AI_RESPONSE_MODEL, response_model)
    put(attrs, sc.SERVER_ADDRESS, address)
    put(attrs, sc.SERVER_PORT, port)
    return with_token_types(safe(attrs))


def with_token_types(attrs: Attributes) -> tuple[Attributes, Attributes, Attributes]:
    return (
        attrs,
        {**attrs, sc.GEN_AI_TOKEN_TYPE: sc.TOKEN_TYPE_INPUT},
        {**attrs, sc.GEN_AI_TOKEN_TYPE: sc.TOKEN_TYPE_OUTPUT},
    )


def agent_attributes(name: str, model: str | None) -> Attributes:
    """`gen_ai.invoke_agent.duration`: the agent, and its model when it has one."""
    attrs: Attributes = {sc.GEN_AI_AGENT_NAME: name}
    put(attrs, sc.GEN_AI_REQUEST_MODEL, model)
    return safe(attrs)


def tool_attributes(tool: str, tool_type: str | None, agent: str | None) -> Attributes:
    """`gen_ai.execute_tool.duration`: the tool, its type and the agent that called it."""
    attrs: Attributes = {sc.GEN_AI_TOOL_NAME: tool}
    put(attrs, sc.GEN_AI_TOOL_TYPE, tool_type)
    put(attrs, sc.GEN_AI_AGENT_NAME, agent)
    return safe(attrs)


def workflow_attributes(workflow: str | None) -> Attributes:
    """`gen_ai.invoke_workflow.duration`: the workflow's name, when it has one."""
    attrs: Attributes = {}
    put(attrs, sc.GEN_AI_WORKFLOW_NAME, workflow)
    return safe(attrs)


def invocation_attributes(
    operation: str, nested: bool, agent: str | None, workflow: str | None, model: str | None
) -> Attributes:
    """`gen_ai.invocation.duration` (#571): the operation, whether it is nested in another
    invocation, and the agent or workflow invoked (a model only for a single agent)."""
    attrs: Attributes = {
        sc.GEN_AI_OPERATION_NAME: operation,
        sc.GEN_AI_INVOCATION_IS_NESTED: nested,
    }
    put(attrs, sc.GEN_AI_AGENT_NAME, agent)
    put(attrs, sc.GEN_AI_WORKFLOW_NAME, workflow)
    if operation == sc.OP_INVOKE_AGENT:
        put(attrs, sc.GEN_AI_REQUEST_MODEL, model)
    return safe(attrs)


def put(attrs: Attributes, key: str, value: AttributeValue | None) -> None:
    if value is not None:
        attrs[key] = value


def safe(attrs: Attributes) -> Attributes:
    """Names can carry lone surrogates or be huge; one bad string must not fail an export."""
    for key, value in attrs.items():
        if isinstance(value, str):
            attrs[key] = metric_value(value)
    return attrs
