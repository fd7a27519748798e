"""The user's context object as tools, guardrails and instructions receive it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from .usage import Usage

TContext = TypeVar("TContext")


@dataclass
class RunContextWrapper(Generic[TContext]):
    """Wraps the `context` passed to `Runner.run`; never sent to the model.

    Attributes:
        context: The user's object (e.g. a database handle, the current user).
        usage: Token usage of the run so far.
    """

    context: TContext
    usage: Usage = field(default_factory=Usage)


@dataclass
class ToolContext(RunContextWrapper[TContext]):
    """The context a function tool receives: the run's context plus which call this is.

    Attributes:
        tool_name: The name of the tool being called.
        tool_call_id: The model's id for this call.
    """

    tool_name: str = ""
    tool_call_id: str = ""
