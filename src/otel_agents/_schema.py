"""Builds a function tool's strict JSON schema from its signature and docstring.

The arguments become a pydantic model (so the model's JSON arguments are validated exactly as the
schema promises); descriptions come from Google, Sphinx or NumPy style docstrings.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, create_model

from .exceptions import UserError
from .run_context import RunContextWrapper


@dataclass(frozen=True)
class FunctionSchema:
    """What the runner needs to call a Python function as a tool.

    Attributes:
        name: Tool name.
        description: Tool description for the model (may be empty).
        params_model: Pydantic model of the arguments.
        params_json_schema: JSON schema of the arguments (strict when asked).
        takes_context: Whether the first parameter receives the run context.
        positional: Names of parameters passed positionally, in order.
    """

    name: str
    description: str
    params_model: type[BaseModel]
    params_json_schema: dict[str, Any]
    takes_context: bool
    positional: tuple[str, ...]


_GOOGLE_ARGS = re.compile(r"^\s*(Args|Arguments|Parameters)\s*:\s*$")
_GOOGLE_ITEM = re.compile(r"^\s*(\*{0,2}\w+)\s*(\([^)]*\))?\s*:\s*(.*)$")
_SPHINX_ITEM = re.compile(r"^\s*:param\s+(?:[^:]*\s)?(\w+)\s*:\s*(.*)$")
_NUMPY_HEADER = re.compile(r"^\s*(Parameters|Args)\s*\n\s*-{3,}\s*$", re.MULTILINE)


def parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """Splits a docstring into (summary, {argument: description}) for the three common styles."""
    if not doc:
        return "", {}
    text = inspect.cleandoc(doc)
    lines = text.splitlines()
    summary_lines: list[str] = []
    for line in lines:
        if not line.strip() or _GOOGLE_ARGS.match(line) or line.strip().startswith(":"):
            break
        summary_lines.append(line.strip())
    args: dict[str, str] = {}
    if any(_SPHINX_ITEM.match(line) for line in lines):
        for line in lines:
            m = _SPHINX_ITEM.match(line)
            if m:
                args[m.group(1)] = m.group(2).strip()
    elif _NUMPY_HEADER.search(text):
        _parse_numpy(lines, args)
    else:
        _parse_google(lines, args)
    return " ".join(summary_lines), args


def _parse_google(lines: list[str], args: dict[str, str]) -> None:
    in_args, indent, current = False, 0, None
    for line in lines:
        if _GOOGLE_ARGS.match(line):
            in_args, indent, current = True, len(line) - len(line.lstrip()), None
            continue
        if not in_args:
            continue
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break  # the next section (Returns:, Raises:) starts
        m = _GOOGLE_ITEM.match(line)
        if m and (current is None or len(line) - len(line.lstrip()) <= indent + 4):
            current = m.group(1).lstrip("*")
            args[current] = m.group(3).strip()
        elif current and line.strip():
            args[current] = f"{args[current]} {line.strip()}".strip()


def _parse_numpy(lines: list[str], args: dict[str, str]) -> None:
    in_params, current = False, None
    for i, line in enumerate(lines):
        if line.strip() in ("Parameters", "Args") and i + 1 < len(lines):
            in_params = set(lines[i + 1].strip()) == {"-"}
            continue
        if not in_params or set(line.strip()) == {"-"}:
            continue
        if line and not line[0].isspace():
            if i + 1 < len(lines) and set(lines[i + 1].strip()) == {"-"}:
                break  # the next section header
            current = line.split(":")[0].strip()
            args[current] = ""
        elif current and line.strip():
            args[current] = f"{args[current]} {line.strip()}".strip()


def _is_context_type(annotation: Any) -> bool:
    origin = getattr(annotation, "__origin__", annotation)
    return inspect.isclass(origin) and issubclass(origin, RunContextWrapper)


def make_strict(schema: dict[str, Any]) -> dict[str, Any]:
    """Makes a JSON schema strict as OpenAI's structured outputs require, in place.

    Every object gets `additionalProperties: false` and lists all its properties as required;
    `$defs` are made strict too. Returns the same dict.
    """
    if schema.get("type") == "object" or "properties" in schema:
        schema.setdefault("properties", {})
        schema["additionalProperties"] = False
        schema["required"] = list(schema["properties"])
    for key in ("properties", "$defs", "definitions"):
        for sub in schema.get(key, {}).values():
            if isinstance(sub, dict):
                make_strict(sub)
    for key in ("items", "additionalItems"):
        if isinstance(schema.get(key), dict):
            make_strict(schema[key])
    for key in ("anyOf", "allOf", "oneOf"):
        for sub in schema.get(key, []):
            if isinstance(sub, dict):
                make_strict(sub)
    # A default would be ignored by strict mode and confuses some servers.
    schema.pop("default", None)
    return schema


def function_schema(
    func: Callable[..., Any],
    *,
    name_override: str | None = None,
    description_override: str | None = None,
    strict: bool = True,
    use_docstring_info: bool = True,
) -> FunctionSchema:
    """Reads a function's signature and docstring into a FunctionSchema.

    Raises:
        UserError: A parameter has no type hint the schema can express, or takes *args/**kwargs.
    """
    name = name_override or func.__name__
    summary, arg_docs = parse_docstring(func.__doc__ if use_docstring_info else None)
    signature = inspect.signature(func)
    try:
        hints = get_type_hints(func)
    except Exception as exc:  # unresolvable forward references
        raise UserError(f"Tool {name!r}: cannot resolve its type hints ({exc}).") from exc
    params = list(signature.parameters.values())
    takes_context = bool(params) and _is_context_type(hints.get(params[0].name))
    if takes_context:
        params = params[1:]
    fields: dict[str, Any] = {}
    for param in params:
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise UserError(
                f"Tool {name!r}: *{param.name} / **{param.name} cannot be described to a model; "
                "give each argument its own typed parameter."
            )
        if _is_context_type(hints.get(param.name)):
            raise UserError(
                f"Tool {name!r}: the context parameter {param.name!r} must be the first parameter."
            )
        annotation = hints.get(param.name, Any)
        default = ... if param.default is inspect.Parameter.empty else param.default
        fields[param.name] = (annotation, Field(default, description=arg_docs.get(param.name)))
    # Strict schemas forbid unknown arguments (`additionalProperties: false`, which strict mode
    # requires); a non-strict tool promises no such thing, so it ignores them instead.
    config = ConfigDict(extra="forbid" if strict else "ignore")
    model = create_model(f"{name}_args", __config__=config, **fields)
    try:
        json_schema = model.model_json_schema()
    except Exception as exc:
        raise UserError(f"Tool {name!r}: its parameters have no JSON schema ({exc}).") from exc
    json_schema.pop("title", None)
    for prop in json_schema.get("properties", {}).values():
        prop.pop("title", None)
    if strict:
        make_strict(json_schema)
    positional = tuple(
        p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    )
    return FunctionSchema(
        name=name,
        description=description_override if description_override is not None else summary,
        params_model=model,
        params_json_schema=json_schema,
        takes_context=takes_context,
        positional=positional,
    )
