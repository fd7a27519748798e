"""What the two OpenAI models share: the server's address, reading a stream safely, and the
form in which a model's own tool call goes back to a server in the next request's history.

The API key lives only in the `AsyncOpenAI` client: nothing here reads, copies or formats it.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, Protocol, TypeVar

from openai import APIConnectionError, AsyncOpenAI

from ..exceptions import ModelBehaviorError
from ._limits import CallLimits

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

__all__ = ["create", "iterate_stream", "replayable_arguments", "server_of"]

DRAIN_S = 0.1
"""After the terminal event, how long the rest of the body (the chunked end) may take to arrive."""
DRAIN_EVENTS = 8
"""After the terminal event, how many more events are read (and dropped) before giving up."""


class _ClosableStream(Protocol[T_co]):  # the part of `openai.AsyncStream` we use
    def __aiter__(self) -> AsyncIterator[T_co]: ...

    async def close(self) -> None: ...


if sys.version_info >= (3, 11):
    from asyncio import timeout_at as _timeout_at
else:  # pragma: no cover - Python 3.10 has no asyncio.timeout_at

    @asynccontextmanager
    async def _timeout_at(when: float) -> AsyncIterator[None]:
        task = asyncio.current_task()
        assert task is not None
        fired = False

        def fire() -> None:
            nonlocal fired
            fired = True
            task.cancel()

        handle = asyncio.get_running_loop().call_at(when, fire)
        try:
            yield
        except asyncio.CancelledError:
            if fired:
                raise TimeoutError from None
            raise
        finally:
            handle.cancel()


def server_of(client: AsyncOpenAI) -> tuple[str | None, int | None]:
    """Host and port of the client's base URL (the scheme's default port when none is given)."""
    url: Any = client.base_url
    host = url.host or None
    port = url.port
    if port is None:
        port = {"https": 443, "http": 80}.get(url.scheme)
    return host, port


async def create(
    call: Awaitable[T],
    *,
    limits: CallLimits,
    api: str,
    model: str,
    stream: bool,
    server: tuple[str | None, int | None] = (None, None),
) -> T:
    """Awaits the request (`responses.create`, `chat.completions.create`) within the call's limits.

    A streamed request returns once the response headers arrive, so the idle timeout bounds it
    too: a server that accepts and never answers is caught within it. `server` (host, port) is
    carried by the `ModelTimeoutError`, so a caller can tell which server stayed silent.
    """
    loop = asyncio.get_running_loop()
    limit = min(limits.timeout, limits.idle_timeout) if stream else limits.timeout
    idle = stream and limits.idle_timeout < limits.timeout
    try:
        async with _timeout_at(loop.time() + limit):
            return await call
    except TimeoutError:
        raise limits.timed_out(api, model, idle=idle, events=0, server=server) from None
    except (UnicodeDecodeError, RecursionError) as exc:
        raise _undecodable(exc, f"the {api} response of model {model!r}") from None


def replayable_arguments(arguments: str) -> str:
    """A tool call's arguments as the next request's history may carry them: a JSON object.

    A model sometimes sends arguments that are not a JSON object; the run answers with the error
    (see tools.py) and goes on. Replayed verbatim, those arguments make OpenAI-compatible servers
    reject the whole next request (llama.cpp: 500 "Failed to parse tool call arguments as JSON"),
    so they go back wrapped as `{"invalid_arguments": "<what the model sent>"}`: valid JSON
    everywhere, and the model still reads its mistake beside the error in the tool's output.
    Empty arguments mean "no arguments" (as the tools read them) and become `{}`.
    """
    if not arguments.strip():
        return "{}"
    try:
        parsed = json.loads(arguments)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        return arguments
    return json.dumps({"invalid_arguments": arguments}, ensure_ascii=False)


async def iterate_stream(
    stream: _ClosableStream[T],
    *,
    api: str,
    model: str,
    limits: CallLimits,
    started: float,
    server: tuple[str | None, int | None] = (None, None),
    terminal: Callable[[T], bool] | None = None,
) -> AsyncGenerator[T, None]:
    """Yields the stream's events; closes the HTTP response however iteration ends.

    When the caller stops after an event `terminal` accepts (the Responses API's
    `response.completed`), the rest of the body is read first, for at most `DRAIN_S` seconds and
    `DRAIN_EVENTS` events: an HTTP/1.1 connection closed before its body's end cannot go back to
    the client's pool, so every request would open a new one (a TCP, and with https a TLS,
    handshake per model call). A server that lingers after the terminal event only costs that
    grace; the connection is then closed as before.

    Once the response has started, a broken stream is the model server misbehaving, so it
    becomes a `ModelBehaviorError` naming the cause: data that is not JSON (the openai client lets
    `json.JSONDecodeError` escape), bytes that are not UTF-8, JSON nested too deep to parse, a
    connection dropped or timed out mid-stream (the client's `APIConnectionError`, which is
    chained), or a server that stays silent past the idle timeout or keeps sending past the call's
    deadline (`started` is the `loop.time()` the call began). Other `APIError`s, and every error of
    the request itself (HTTP statuses, connection refused), pass through unchanged.
    """
    loop = asyncio.get_running_loop()
    deadline = started + limits.timeout
    iterator = stream.__aiter__()
    events = 0
    ended = False
    try:
        while True:
            now = loop.time()
            idle_at = now + limits.idle_timeout
            try:
                # One timeout per event: it also covers the SSE decoding of a trickled event.
                async with _timeout_at(min(deadline, idle_at)):
                    event = await iterator.__anext__()
            except StopAsyncIteration:
                return
            except TimeoutError:
                idle = idle_at < deadline
                raise limits.timed_out(
                    api, model, idle=idle, events=events, server=server
                ) from None
            except APIConnectionError as exc:
                raise ModelBehaviorError(
                    f"The {api} stream of model {model!r} was cut off: the connection dropped "
                    f"mid-stream ({exc}); retry, or check the server's logs"
                ) from exc
            except json.JSONDecodeError as exc:
                raise ModelBehaviorError(
                    f"The {api} stream of model {model!r} sent a malformed server-sent event "
                    f"(its data is not JSON: {exc.msg} at position {exc.pos}); check that "
                    "OPENAI_BASE_URL points to an OpenAI-compatible server"
                ) from exc
            except (UnicodeDecodeError, RecursionError) as exc:
                where = f"server-sent event {events + 1} of the {api} stream of model {model!r}"
                raise _undecodable(exc, where) from None
            events += 1
            paused = loop.time()
            ended = terminal is not None and terminal(event)
            yield event
            # The consumer's time is not the server's: a slow reader never trips the deadline.
            deadline += loop.time() - paused
    finally:
        if ended:
            await _drain(iterator, loop.time() + DRAIN_S)
        await stream.close()


async def _drain(iterator: AsyncIterator[Any], until: float) -> None:
    """Reads what follows the terminal event, so the connection can be reused; best effort."""
    try:
        async with _timeout_at(until):
            for _ in range(DRAIN_EVENTS):
                await iterator.__anext__()
    except StopAsyncIteration:
        pass  # the body's end: the client returned the connection to its pool
    except Exception:  # a server misbehaving after the reply is complete costs it a fresh
        pass  # connection next time, never the run its reply


def _undecodable(exc: UnicodeDecodeError | RecursionError, where: str) -> ModelBehaviorError:
    if isinstance(exc, UnicodeDecodeError):
        what = f"bytes that are not UTF-8 (at byte {exc.start}: {exc.reason})"
    else:
        what = "JSON nested too deeply to parse"
    return ModelBehaviorError(
        f"The server sent {what} in {where}; check that OPENAI_BASE_URL points to an "
        "OpenAI-compatible server"
    )
