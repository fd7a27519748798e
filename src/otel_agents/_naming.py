"""Names derived from user-given names, shared so the runner and the models agree on them.

A handoff to an agent is offered to the model as a function tool; `ScriptedModel.transfer_to` and
the runner must compute the same tool name, so both import it from here.
"""

from __future__ import annotations

import re

__all__ = ["snake_case", "transfer_tool_name"]

# Tool names must match `^[a-zA-Z0-9_-]+$` on the OpenAI API, hence ASCII only.
_NOT_ALNUM = re.compile(r"[^a-z0-9]")


def snake_case(name: str) -> str:
    """Lowercases `name` and turns every character that is not an ASCII letter or digit into "_".

    Runs are not collapsed, so the name maps one to one ("Doc  Processor" -> "doc__processor"),
    as in the OpenAI Agents SDK.
    """
    return _NOT_ALNUM.sub("_", name.lower())


def transfer_tool_name(agent_name: str) -> str:
    """The handoff tool name for an agent: "Doc Processor" -> "transfer_to_doc_processor"."""
    return f"transfer_to_{snake_case(agent_name)}"
