"""The README's `tasks.py` (written beside this by tests/integration/test_celery.py) plus one
agent run at import: `celery -A celery_warm_tasks worker` imports it in the worker's main
process, which sets otel-agents up and records that run before it forks its pool processes."""

from __future__ import annotations

from tasks import app, ask

from otel_agents import Agent, Runner
from otel_agents.models import ScriptedModel

Runner.run_sync(Agent(name="Warm-up", model=ScriptedModel(["ready"])), "warm up")

__all__ = ["app", "ask"]
