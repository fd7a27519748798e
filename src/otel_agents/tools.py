"""Function tools: Python functions the model can call, with schemas built from type hints.

`@function_tool` turns a sync or async function (optionally taking the run context first) into a
`FunctionTool`; bound methods and callable objects work too. When the function raises, the default
`failure_error_function` sends the error text back to the model so it can retry (the seed's flaky
tool relies on this); pass `failure_error_function=None` to make tool errors end the run instead.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast, get_type_hints, overload

from pydantic import ValidationError

from ._schema import function_schema, parse_docstring
from .exceptions import ModelBehaviorError, UserError, exception_message
from .run_context import RunContextWrapper, ToolContext

if TYPE_CHECKING:
    from .agent import Agent
    from .tool_guardrails import ToolInputGuardrail, ToolOutputGuardrail

ToolErrorFunction = Callable[[RunContextWrapper[Any], Exception], "str | Awaitable[str]"]
"""Turns a tool's exception into the text the model sees (sync or async)."""

IsEnabled = bool | Callable[[RunContextWrapper[Any], "Agent[Any]"], "bool | Awaitable[bool]"]
"""Whether the model is offered a tool: a bool, or a function of (context, agent) run each turn."""


def default_tool_error_function(ctx: RunContextWrapper[Any], error: Exception) -> str:
    """The text the model sees when a tool fails: what went wrong, so it can try again.

    The error is included (the seed's flaky tool relies on the model reading it); the SDK's
    0.24 default leaves it out.
    """
    message = exception_message(error)  # a broken __str__ must not end the run
    return f"An error occurred while running the tool. Please try again. Error: {message}"


@dataclass
class FunctionTool:
    """A tool the model can call.

    Attributes:
        name: The name the model calls.
        description: What the tool does.
        params_json_schema: JSON schema of the arguments.
        on_invoke_tool: Called with the tool context and the raw JSON arguments; returns the
            result (for a `@function_tool`, the failure text when the function raised and a
            `failure_error_function` is set).
        strict_json_schema: Whether the schema is strict.
        is_enabled: Whether the model is offered the tool (a bool, or a sync/async function of
            (context, agent) evaluated every turn).
        timeout_seconds: How long one call may run; None for no limit.
        timeout_behavior: "error_as_result" (the model reads a timeout message, from
            `timeout_error_function` if set) or "raise_exception" (`ToolTimeoutError` ends the run).
        timeout_error_function: Turns the `ToolTimeoutError` into the text the model reads.
        tool_input_guardrails: Checks before each call (see `tool_guardrails`).
        tool_output_guardrails: Checks on each result before the model reads it.
    """

    name: str
    description: str
    params_json_schema: dict[str, Any]
    on_invoke_tool: Callable[[ToolContext[Any], str], Awaitable[Any]]
    strict_json_schema: bool = True
    is_enabled: IsEnabled = True
    timeout_seconds: float | None = None
    timeout_behavior: Literal["error_as_result", "raise_exception"] = "error_as_result"
    timeout_error_function: ToolErrorFunction | None = None
    tool_input_guardrails: list[ToolInputGuardrail[Any]] | None = None
    tool_output_guardrails: list[ToolOutputGuardrail[Any]] | None = None


Tool = FunctionTool
"""Every kind of tool an agent can have (function tools, for now)."""


@dataclass
class FunctionToolResult:
    """A function tool's result in a turn, as a custom `tool_use_behavior` receives it.

    Attributes:
        tool: The tool that ran.
        output: What it returned (or its failure text).
        run_item: The `ToolCallOutputItem` recorded for it.
    """

    tool: FunctionTool
    output: Any
    run_item: Any


F = TypeVar("F", bound=Callable[..., Any])


async def is_enabled(flag: IsEnabled, context: RunContextWrapper[Any], agent: Agent[Any]) -> bool:
    """Evaluates a tool's or handoff's `is_enabled` for this turn."""
    if isinstance(flag, bool):
        return flag
    result = flag(context, agent)
    if inspect.isawaitable(result):
        result = await result
    return bool(result)


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


def _callable_object(func: Any, use_docstring_info: bool) -> tuple[Callable[..., Any], str | None]:
    """A plain function standing for a callable object, so its `__call__` reads like one; and
    the description the class's docstring gives (as in the SDK, it wins when both have one)."""
    if inspect.isroutine(func) or inspect.isclass(func):
        return cast(Callable[..., Any], func), None
    call = getattr(type(func), "__call__", None)  # noqa: B004 - the class's, not the instance's
    if not inspect.isfunction(call):
        raise UserError(
            f"function_tool got a {type(func).__name__} whose __call__ is not a plain method; "
            "wrap it in a function."
        )
    bound = call.__get__(func, type(func))
    try:
        hints = get_type_hints(call)
    except Exception as exc:
        raise UserError(
            f"function_tool: cannot resolve the type hints of {type(func).__name__}.__call__ "
            f"({exc}); wrap it in a function with annotations resolvable from its module."
        ) from exc

    def adapter(*args: Any, **kwargs: Any) -> Any:
        return bound(*args, **kwargs)

    class_doc = inspect.getdoc(type(func))
    description = (
        parse_docstring(class_doc)[0] if use_docstring_info and class_doc and call.__doc__ else None
    )
    adapter.__name__ = adapter.__qualname__ = type(func).__name__
    adapter.__doc__ = (call.__doc__ or class_doc) if use_docstring_info else None
    adapter.__signature__ = inspect.signature(bound)  # type: ignore[attr-defined]
    adapter.__annotations__ = {k: v for k, v in hints.items() if k != "self"}
    if inspect.iscoroutinefunction(call):

        async def async_adapter(*args: Any, **kwargs: Any) -> Any:
            return await bound(*args, **kwargs)

        for attr in ("__name__", "__qualname__", "__doc__", "__signature__", "__annotations__"):
            setattr(async_adapter, attr, getattr(adapter, attr))
        return async_adapter, description
    return adapter, description


def _record_on_current_span(exc: Exception) -> None:
    # The runner's function span is current while the tool runs: it keeps the real exception
    # (its type becomes error.type) while the model only gets the failure text.
    from .tracing import get_current_span

    span = get_current_span()
    if span is not None and getattr(span.span_data, "type", None) == "function":
        span.record_exception(exc)


def _make_tool(
    func: Callable[..., Any],
    name_override: str | None,
    description_override: str | None,
    failure_error_function: ToolErrorFunction | None,
    strict_mode: bool,
    use_docstring_info: bool,
    is_enabled: IsEnabled,
) -> FunctionTool:
    func, class_description = _callable_object(func, use_docstring_info)
    schema = function_schema(
        func,
        name_override=name_override,
        description_override=description_override or class_description,
        strict=strict_mode,
        use_docstring_info=use_docstring_info,
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
            text = failure_error_function(ctx, exc)
            if inspect.isawaitable(text):
                text = await text
            _record_on_current_span(exc)
            return text

    return FunctionTool(
        name=schema.name,
        description=schema.description,
        params_json_schema=schema.params_json_schema,
        on_invoke_tool=invoke,
        strict_json_schema=strict_mode,
        is_enabled=is_enabled,
    )


@overload
def function_tool(func: F, /) -> FunctionTool: ...


@overload
def function_tool(
    *,
    name_override: str | None = None,
    description_override: str | None = None,
    use_docstring_info: bool = True,
    failure_error_function: ToolErrorFunction | None = default_tool_error_function,
    strict_mode: bool = True,
    is_enabled: IsEnabled = True,
    docstring_style: str | None = None,
    timeout: float | None = None,
    timeout_behavior: Literal["error_as_result", "raise_exception"] = "error_as_result",
    timeout_error_function: ToolErrorFunction | None = None,
    tool_input_guardrails: list[ToolInputGuardrail[Any]] | None = None,
    tool_output_guardrails: list[ToolOutputGuardrail[Any]] | None = None,
) -> Callable[[F], FunctionTool]: ...


def function_tool(
    func: F | None = None,
    /,
    *,
    name_override: str | None = None,
    description_override: str | None = None,
    use_docstring_info: bool = True,
    failure_error_function: ToolErrorFunction | None = default_tool_error_function,
    strict_mode: bool = True,
    is_enabled: IsEnabled = True,
    docstring_style: str | None = None,
    timeout: float | None = None,
    timeout_behavior: Literal["error_as_result", "raise_exception"] = "error_as_result",
    timeout_error_function: ToolErrorFunction | None = None,
    tool_input_guardrails: list[ToolInputGuardrail[Any]] | None = None,
    tool_output_guardrails: list[ToolOutputGuardrail[Any]] | None = None,
) -> FunctionTool | Callable[[F], FunctionTool]:
    """Makes a function tool from a function, a bound method or a callable object.

    Args:
        func: The function (when used as `@function_tool`); sync or async.
        name_override: Tool name; default the function's (a callable object's: its class's).
        description_override: Tool description; default the docstring's summary.
        use_docstring_info: Read the description and argument descriptions from the docstring.
        failure_error_function: Turns the function's exception into text for the model (sync or
            async); None re-raises, ending the run.
        strict_mode: Whether the argument schema is strict.
        is_enabled: Whether the model is offered the tool: a bool, or a sync/async function of
            (context, agent) evaluated every turn.
        docstring_style: Accepted for the SDK's signature; the style (Google, Sphinx, NumPy) is
            always detected.
        timeout: Seconds one call may run; None (default) for no limit.
        timeout_behavior: "error_as_result" (the model reads "Tool 'x' timed out after N
            seconds.") or "raise_exception" (`ToolTimeoutError` ends the run).
        timeout_error_function: Makes the text the model reads on a timeout instead.
        tool_input_guardrails: Checks before each call (`@tool_input_guardrail`).
        tool_output_guardrails: Checks on each result (`@tool_output_guardrail`).

    Returns:
        A `FunctionTool`, or a decorator that makes one.
    """

    if timeout is not None and not timeout > 0:
        raise UserError(f"function_tool(timeout={timeout!r}): give a positive number of seconds.")

    def decorate(f: F) -> FunctionTool:
        tool = _make_tool(
            f,
            name_override,
            description_override,
            failure_error_function,
            strict_mode,
            use_docstring_info,
            is_enabled,
        )
        tool.timeout_seconds = timeout
        tool.timeout_behavior = timeout_behavior
        tool.timeout_error_function = timeout_error_function
        tool.tool_input_guardrails = tool_input_guardrails
        tool.tool_output_guardrails = tool_output_guardrails
        return tool

    return decorate(func) if func is not None else decorate
