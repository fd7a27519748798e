"""`ToolContext` where the OpenAI Agents SDK keeps it (`agents.tool_context`), so imports of that
path work unchanged; it is defined in `run_context`."""

from __future__ import annotations

from .run_context import ToolContext

__all__ = ["ToolContext"]
