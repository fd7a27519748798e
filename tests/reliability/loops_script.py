"""A user's script that runs an agent on a real openai client many times, each in a new event
loop: `python loops_script.py MODE RUNS BASE_URL`. MODE: "run_sync" (the default provider, built
from OPENAI_* variables), "asyncio_run" (the same under several `asyncio.run`), "user_client"
(`set_default_openai_client(AsyncOpenAI(...))` then `run_sync`), "custom_transport" (a user
client whose HTTP transport otel-agents cannot reset). It prints the last reply."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import httpx2
from openai import AsyncOpenAI, DefaultAsyncHttpxClient

from otel_agents import Agent, Runner, set_default_openai_client


class _Wrapped(httpx2.AsyncBaseTransport):
    """A transport of the user's own (e.g. for logging or retries), around the real one."""

    def __init__(self) -> None:
        self._inner = httpx2.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        return await self._inner.handle_async_request(request)


def main(mode: str, runs: int, base_url: str) -> None:
    agent = Agent(name="Looper", model="gpt-test")
    if mode in ("user_client", "custom_transport"):
        http = DefaultAsyncHttpxClient(transport=_Wrapped()) if mode == "custom_transport" else None
        set_default_openai_client(
            AsyncOpenAI(api_key="sk-user", base_url=base_url, max_retries=0, http_client=http)
        )
    result: Any = None
    for _ in range(runs):
        if mode == "asyncio_run":

            async def once() -> Any:
                return await Runner.run(agent, "hello")

            result = asyncio.run(once())
        else:
            result = Runner.run_sync(agent, "hello")
    print(result.final_output)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
