"""An ASGI app (Starlette on uvicorn) that runs one agent per request, with the flush hook the
README documents for servers that own the signals: `flush_traces()` in the lifespan's shutdown.
tests/integration/test_uvicorn_sigterm.py serves it with a real uvicorn."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from otel_agents import Agent, Runner, flush_traces
from otel_agents.models import ScriptedModel


async def ask(request: Request) -> PlainTextResponse:
    n = request.query_params.get("n", "0")
    agent = Agent(name="Solo", model=ScriptedModel([f"reply {n}"]))
    await asyncio.sleep(0.05)  # work in flight when SIGTERM arrives
    result = await Runner.run(agent, f"question {n}")
    return PlainTextResponse(str(result.final_output))


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    yield
    flush_traces()  # after the last request: uvicorn then dies by SIGTERM, skipping atexit


app = Starlette(routes=[Route("/ask", ask)], lifespan=lifespan)
