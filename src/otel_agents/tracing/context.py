"""The current trace and the current span, one pair per execution context.

Both live in ContextVars, so every asyncio task (which runs in a copy of its creator's context)
and every thread keeps its own tree: 100 runs under `asyncio.gather` never see each other's spans.

Restoring the previous value is done by walking back over finished objects (see `spans.py` and
`traces.py`) rather than with `ContextVar.reset(token)`: a token can only be reset in the Context
that created it, and a span that starts in one task and ends in another (a stream consumed by a
different task, an abandoned async generator) would raise "was created in a different Context".
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .spans import Span
    from .traces import Trace

current_trace: ContextVar[Trace | None] = ContextVar("otel_agents_current_trace", default=None)
current_span: ContextVar[Span[Any] | None] = ContextVar("otel_agents_current_span", default=None)


def get_current_trace() -> Trace | None:
    """The trace that new spans join by default in this context, or None outside any trace."""
    return current_trace.get()


def get_current_span() -> Span[Any] | None:
    """The span that new spans nest under by default in this context, or None at a trace's top."""
    return current_span.get()
