"""Structured final output: an output type's JSON schema, and validation of what the model sent."""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter, ValidationError

from ._schema import make_strict
from .exceptions import ModelBehaviorError, UserError
from .models.interface import OutputSpec

_WRAPPER_KEY = "response"


class AgentOutputSchema:
    """The schema of an agent's `output_type` and the validator of the model's final output.

    Pydantic models, dataclasses and TypedDicts are objects already; any other type (a list, an
    int) is wrapped as `{"response": ...}` because structured outputs need an object at the top.
    """

    def __init__(self, output_type: type[Any]) -> None:
        self.output_type = output_type
        self.name = getattr(output_type, "__name__", "output")
        try:
            self._adapter: TypeAdapter[Any] = TypeAdapter(output_type)
            schema = self._adapter.json_schema()
        except Exception as exc:
            raise UserError(
                f"output_type {self.name!r} has no JSON schema ({exc}); use a pydantic model, "
                "a dataclass or a TypedDict."
            ) from exc
        self._wrapped = schema.get("type") != "object"
        if self._wrapped:
            schema = {"type": "object", "properties": {_WRAPPER_KEY: schema}}
        self.json_schema = make_strict(schema)

    def spec(self) -> OutputSpec:
        """What the model is told to produce."""
        return OutputSpec(name=self.name, schema=self.json_schema, strict=True)

    def validate_json(self, text: str, agent_name: str) -> Any:
        """Parses and validates the model's final output.

        Raises:
            ModelBehaviorError: The text is not JSON of the output type.
        """
        try:
            data = json.loads(text)
            if self._wrapped:
                if not isinstance(data, dict) or _WRAPPER_KEY not in data:
                    raise ValueError(f'expected an object with a "{_WRAPPER_KEY}" key')
                data = data[_WRAPPER_KEY]
            return self._adapter.validate_python(data)
        except (ValueError, ValidationError) as exc:
            raise ModelBehaviorError(
                f"Agent {agent_name!r}: the model's final output is not a valid {self.name} "
                f"({exc}). Check that the model supports structured outputs."
            ) from None
