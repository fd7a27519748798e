"""The README's ASGI app (`app.py`, written beside this by tests/integration/test_gunicorn.py)
plus one agent run at import: served with `--preload`, the gunicorn master sets otel-agents up
and records that run before it forks its workers."""

from __future__ import annotations

from app import app

from otel_agents import Agent, Runner
from otel_agents.models import ScriptedModel

Runner.run_sync(Agent(name="Warm-up", model=ScriptedModel(["ready"])), "warm up")

__all__ = ["app"]
