"""Function tools: Python functions the model can call, with schemas built from type hints.

`@function_tool` turns a sync or async function (optionally taking the run context first) into a
`FunctionTool`. When the function raises, the default `failure_error_function` sends the error text
back to the model so it can retry (the seed's flaky tool relies on this); pass
`failure_error_function=None` to make tool errors end the run instead.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from pydantic import ValidationError

from ._schema import function_schema
from .exceptions import ModelBehaviorError
from .run_context import RunContextWrapper, ToolContext

ToolErrorFunction = Callable[[RunContextWrapper[Any], Exception], str]
"""Turns a tool's exception into the text the model sees."""


def default_tool_error_function(ctx: RunContextWrapper[Any], error: Exception) -> str:
    """The text the model sees when a tool fails: what went wrong, so it can try again."""
    return f"An error occurred while running the tool. Please try again. Error: {error}"


@dataclass
class FunctionTool:
    """A tool the model can call.

    Attributes:
        name: The name the model calls.
        description: What the tool does.
        params_json_schema: JSON schema of the arguments.
        on_invoke_tool: Called with the tool context and the raw JSON arguments; returns the result.
        strict_json_schema: Whether the schema is strict.
    """

    name: str
    description: str
    params_json_schema: dict[str, Any]
    on_invoke_tool: Callable[[ToolContext[Any], str], Awaitable[Any]]
    strict_json_schema: bool = True


Tool = FunctionTool
"""Every kind of tool an agent can have (function tools, for now)."""

F = TypeVar("F", bound=Callable[..., Any])


def parse_arguments(tool_name: str, arguments: str) -> dict[str, Any]:
    """Parses a model's JSON arguments; the error names the tool and shows what arrived.

    Raises:
        ModelBehaviorError: The arguments are not a JSON object.
    """
    try:
        parsed = json.loads(arguments) if arguments.strip() else {}
    except json.JSONDecodeError as exc:
        raise ModelBehaviorError(
            f"Tool {tool_name!r} was called with arguments that are not valid JSON ({exc.msg} at "
            f"position {exc.pos}); the model must send a JSON object matching the tool's schema."
        ) from None
    if not isinstance(parsed, dict):
        raise ModelBehaviorError(
            f"Tool {tool_name!r} was called with a JSON {type(parsed).__name__}, not an object; "
            "the model must send a JSON object matching the tool's schema."
        )
    return parsed


def _make_tool(
    func: Callable[..., Any],
    name_override: str | None,
    description_override: str | None,
    failure_error_function: ToolErrorFunction | None,
    strict_mode: bool,
) -> FunctionTool:
    schema = function_schema(
        func,
        name_override=name_override,
        description_override=description_override,
        strict=strict_mode,
    )
    is_async = inspect.iscoroutinefunction(func)

    async def invoke(ctx: ToolContext[Any], arguments: str) -> Any:
        try:
            raw = parse_arguments(schema.name, arguments)
            try:
                parsed = schema.params_model.model_validate(raw)
            except ValidationError as exc:
                errors = "; ".join(
                    f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}"
                    for e in exc.errors()
                )
                raise ModelBehaviorError(
                    f"Tool {schema.name!r} got arguments that do not match its schema ({errors})."
                ) from None
            values = {field: getattr(parsed, field) for field in type(parsed).model_fields}
            args = [values.pop(p) for p in schema.positional if p in values]
            if schema.takes_context:
                args.insert(0, ctx)
            result = func(*args, **values)
            if is_async:
                result = await result
            return result
        except Exception as exc:
            if failure_error_function is None:
                raise
            # The span still records the error; the model gets text it can act on.
            exc_text = failure_error_function(ctx, exc)
            raise _ToolFailed(exc_text, exc) from exc

    return FunctionTool(
        name=schema.name,
        description=schema.description,
        params_json_schema=schema.params_json_schema,
        on_invoke_tool=invoke,
        strict_json_schema=strict_mode,
    )


class _ToolFailed(Exception):
    """A tool failed and its failure_error_function produced the text the model will see."""

    def __init__(self, model_text: str, cause: Exception) -> None:
        super().__init__(model_text)
        self.model_text = model_text
        self.cause = cause


@overload
def function_tool(func: F, /) -> FunctionTool: ...


@overload
def function_tool(
    *,
    name_override: str | None = None,
    description_override: str | None = None,
    failure_error_function: ToolErrorFunction | None = default_tool_error_function,
    strict_mode: bool = True,
) -> Callable[[F], FunctionTool]: ...


def function_tool(
    func: F | None = None,
    /,
    *,
    name_override: str | None = None,
    description_override: str | None = None,
    failure_error_function: ToolErrorFunction | None = default_tool_error_function,
    strict_mode: bool = True,
) -> FunctionTool | Callable[[F], FunctionTool]:
    """Makes a function tool from a sync or async function; use bare or with options.

    Args:
        func: The function (when used as `@function_tool`).
        name_override: Tool name; default the function's name.
        description_override: Tool description; default the docstring's summary.
        failure_error_function: Turns the function's exception into text for the model; None
            re-raises, ending the run.
        strict_mode: Whether the argument schema is strict.

    Returns:
        A `FunctionTool`, or a decorator that makes one.
    """

    def decorate(f: F) -> FunctionTool:
        return _make_tool(
            f, name_override, description_override, failure_error_function, strict_mode
        )

    return decorate(func) if func is not None else decorate
