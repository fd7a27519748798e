"""Openai clients and event loops: the connections a client opened in a loop end with that loop.

An httpx connection pool keeps the connections a loop opened, and every `Runner.run_sync` (like
every `asyncio.run`) runs a new loop: a connection reused from a finished loop fails with "Event
loop is closed", and a client dropped with open connections logs "Task exception was never
retrieved" when the garbage collector closes it from another loop. So a model ties its client to
the running loop before each call, and when that loop shuts down (`asyncio.run` and
`asyncio.Runner` close the loop's async generators first, while it still runs) the connections
the loop opened are closed: a client the provider built is closed, a client the user gave keeps
working in the next loop with new connections. A client whose transport this module cannot reset
gets a `UserError` saying what to do when it is used from a loop after the one that ended.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncGenerator
from typing import Any

from openai import AsyncOpenAI

from ..exceptions import UserError

__all__ = ["bind_to_loop", "owned"]

logger = logging.getLogger("otel_agents")

_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopClients] = (
    weakref.WeakKeyDictionary()
)
_bound: weakref.WeakKeyDictionary[AsyncOpenAI, weakref.ref[asyncio.AbstractEventLoop]] = (
    weakref.WeakKeyDictionary()
)
_owned: weakref.WeakSet[AsyncOpenAI] = weakref.WeakSet()


def owned(client: AsyncOpenAI) -> AsyncOpenAI:
    """Marks a client otel-agents built: it is closed, not only reset, when its loop ends."""
    _owned.add(client)
    return client


class _LoopClients:
    """The clients used in one loop; `ended()` is the async generator the loop closes last."""

    def __init__(self) -> None:
        self.clients: weakref.WeakSet[AsyncOpenAI] = weakref.WeakSet()
        self.watch: AsyncGenerator[None, None] | None = None  # held here: the loop's set is weak

    async def ended(self) -> AsyncGenerator[None, None]:
        try:
            yield
        finally:
            for client in list(self.clients):
                try:
                    if client in _owned:
                        await client.close()
                        _bound.pop(client, None)
                    elif await _reset(client):
                        _bound.pop(client, None)
                except Exception:  # the loop is going away; never fail its shutdown
                    logger.debug("closing an openai client at loop end failed", exc_info=True)


async def _reset(client: AsyncOpenAI) -> bool:
    """Closes the client's pooled connections, keeping the client; False if it cannot."""
    http: Any = getattr(client, "_client", None)
    transports = [
        getattr(http, "_transport", None),
        *(getattr(http, "_mounts", None) or {}).values(),
    ]
    pools: list[Any] = [getattr(t, "_pool", None) for t in transports if t is not None]
    if not pools or not all(hasattr(pool, "aclose") for pool in pools):
        return False
    for pool in pools:
        await pool.aclose()  # httpcore: closes the connections; the pool stays usable
    return True


async def bind_to_loop(client: AsyncOpenAI) -> None:
    """Ties the client's connections to the running loop, so they are closed when it ends.

    Raises:
        UserError: The client still holds connections of a loop that has ended.
    """
    loop = asyncio.get_running_loop()
    ref = _bound.get(client)
    bound = ref() if ref is not None else None
    if bound is loop:
        return
    if bound is not None and bound.is_closed():
        raise UserError(
            "This openai client (from set_default_openai_client or a model's openai_client) "
            "still holds connections of an event loop that has ended, and its HTTP transport is "
            "not one otel-agents can reset. Each Runner.run_sync or asyncio.run call runs a new "
            "loop: create the client inside the loop that uses it, run every agent under one "
            "asyncio.run with `await Runner.run(...)`, or let otel-agents build the client "
            "(OPENAI_API_KEY, OPENAI_BASE_URL)."
        )
    clients = _clients.get(loop)
    if clients is None:
        clients = _clients[loop] = _LoopClients()
        clients.watch = clients.ended()
        await clients.watch.asend(None)  # the loop now tracks it, and closes it when it ends
    clients.clients.add(client)
    _bound[client] = weakref.ref(loop)
