"""Structured final output: an output type's JSON schema, and validation of what the model sent.

`AgentOutputSchema` has the OpenAI Agents SDK's interface (`name()`, `json_schema()`,
`is_plain_text()`, `is_strict_json_schema()`, `validate_json()`); an agent's `output_type` may be a
type or an `AgentOutputSchema` (e.g. `AgentOutputSchema(MyType, strict_json_schema=False)` for a
type strict mode cannot express).
"""

from __future__ import annotations

import abc
import functools
import json
from typing import Any, get_args, get_origin

from pydantic import TypeAdapter, ValidationError

from ._schema import make_strict
from .exceptions import ModelBehaviorError, UserError
from .models.interface import OutputSpec

_WRAPPER_KEY = "response"


def _type_name(t: Any) -> str:
    origin, args = get_origin(t), get_args(t)
    if origin is None:
        return str(getattr(t, "__name__", repr(t)))
    if args:
        inner = ", ".join(_type_name(arg) for arg in args)
        return f"{getattr(origin, '__name__', str(origin))}[{inner}]"
    return str(t)


class AgentOutputSchemaBase(abc.ABC):
    """What the runner needs of an output schema (the SDK's base class): subclass it for an
    output the built-in `AgentOutputSchema` cannot describe, and give it as `output_type`."""

    @abc.abstractmethod
    def is_plain_text(self) -> bool:
        """Whether the output is plain text."""

    @abc.abstractmethod
    def name(self) -> str:
        """The output type's name."""

    @abc.abstractmethod
    def json_schema(self) -> dict[str, Any]:
        """The JSON schema the model must follow."""

    @abc.abstractmethod
    def is_strict_json_schema(self) -> bool:
        """Whether the schema is strict."""

    @abc.abstractmethod
    def validate_json(self, json_str: str) -> Any:
        """The final output parsed from the model's text; raises ModelBehaviorError if invalid."""

    def spec(self) -> OutputSpec:
        """What the model is told to produce."""
        return OutputSpec(
            name=self.name(), schema=self.json_schema(), strict=self.is_strict_json_schema()
        )


class AgentOutputSchema(AgentOutputSchemaBase):
    """The schema of an agent's `output_type` and the validator of the model's final output.

    Pydantic models, dataclasses and TypedDicts are objects already; any other type (a list, an
    int) is wrapped as `{"response": ...}` because structured outputs need an object at the top.
    """

    def __init__(self, output_type: type[Any] | None, strict_json_schema: bool = True) -> None:
        self.output_type = output_type
        self._strict = strict_json_schema
        self._name = _type_name(output_type)
        self._wrapped = False
        self._schema: dict[str, Any] = {}
        if self.is_plain_text():
            return
        try:
            self._adapter: TypeAdapter[Any] = TypeAdapter(output_type)  # type: ignore[arg-type]
            schema = self._adapter.json_schema()
        except Exception as exc:
            raise UserError(
                f"output_type {self._name!r} has no JSON schema ({exc}); use a pydantic model, "
                "a dataclass or a TypedDict."
            ) from exc
        self._wrapped = schema.get("type") != "object"
        if self._wrapped:
            schema = {"type": "object", "properties": {_WRAPPER_KEY: schema}}
            if not strict_json_schema:
                schema["required"] = [_WRAPPER_KEY]
        self._schema = make_strict(schema) if strict_json_schema else schema

    @classmethod
    def of(cls, output_type: Any) -> AgentOutputSchemaBase:
        """The schema for an agent's `output_type` (a type, or already an output schema).

        Built once per type: the runner asks every turn, and a schema costs a pydantic adapter.
        """
        if isinstance(output_type, AgentOutputSchemaBase):
            return output_type
        try:
            return _cached_schema(output_type)
        except TypeError:  # an unhashable type object
            return cls(output_type)

    def is_plain_text(self) -> bool:
        """Whether the output is plain text (no output type, or `str`)."""
        return self.output_type is None or self.output_type is str

    def name(self) -> str:
        """The output type's name, e.g. "Weather" or "list[int]"."""
        return self._name

    def is_strict_json_schema(self) -> bool:
        """Whether the schema is strict."""
        return self._strict

    def json_schema(self) -> dict[str, Any]:
        """The JSON schema the model must follow.

        Raises:
            UserError: The output is plain text.
        """
        if self.is_plain_text():
            raise UserError("Output type is plain text, so no JSON schema is available")
        return self._schema

    def validate_json(self, json_str: str, agent_name: str | None = None) -> Any:
        """Parses and validates the model's final output.

        Raises:
            ModelBehaviorError: The text is not JSON of the output type.
        """
        if self.is_plain_text():
            return json_str
        try:
            data = json.loads(json_str)
            if self._wrapped:
                if not isinstance(data, dict) or _WRAPPER_KEY not in data:
                    raise ValueError(f'expected an object with a "{_WRAPPER_KEY}" key')
                data = data[_WRAPPER_KEY]
            return self._adapter.validate_python(data)
        except (ValueError, ValidationError) as exc:
            who = f"Agent {agent_name!r}: the" if agent_name else "The"
            raise ModelBehaviorError(
                f"{who} model's final output is not a valid {self._name} "
                f"({exc}). Check that the model supports structured outputs."
            ) from None


@functools.lru_cache(maxsize=256)
def _cached_schema(output_type: Any) -> AgentOutputSchema:
    return AgentOutputSchema(output_type)
