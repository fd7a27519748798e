"""A WSGI app that runs one agent per request, with no hook of any kind: gunicorn's own workers
(sync, gthread) end with `sys.exit`, so what otel-agents does at SIGTERM and at exit is enough.
tests/integration/test_gunicorn.py serves it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from otel_agents import Agent, Runner
from otel_agents.models import ScriptedModel


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    agent = Agent(name="Helper", model=ScriptedModel(["Hi!"]))
    result = Runner.run_sync(agent, environ.get("QUERY_STRING") or "Hello")
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(result.final_output).encode()]
