"""What the two OpenAI models share: the server's address, and reading a stream safely.

The API key lives only in the `AsyncOpenAI` client: nothing here reads, copies or formats it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any, Protocol, TypeVar

from openai import APIConnectionError, AsyncOpenAI

from ..exceptions import ModelBehaviorError

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

__all__ = ["iterate_stream", "server_of"]


class _ClosableStream(Protocol[T_co]):  # the part of `openai.AsyncStream` we use
    def __aiter__(self) -> AsyncIterator[T_co]: ...

    async def close(self) -> None: ...


def server_of(client: AsyncOpenAI) -> tuple[str | None, int | None]:
    """Host and port of the client's base URL (the scheme's default port when none is given)."""
    url: Any = client.base_url
    host = url.host or None
    port = url.port
    if port is None:
        port = {"https": 443, "http": 80}.get(url.scheme)
    return host, port


async def iterate_stream(
    stream: _ClosableStream[T], *, api: str, model: str
) -> AsyncGenerator[T, None]:
    """Yields the stream's events; closes the HTTP response however iteration ends.

    Once the response has started, a broken stream is the model server misbehaving, so it
    becomes a `ModelBehaviorError` naming the cause: data that is not JSON (the openai client lets
    `json.JSONDecodeError` escape) or a connection dropped or timed out mid-stream (the client's
    `APIConnectionError`, which is chained). Other `APIError`s, and every error of the request
    itself (HTTP statuses, connection refused), pass through unchanged.
    """
    iterator = stream.__aiter__()
    try:
        while True:
            try:
                event = await iterator.__anext__()
            except StopAsyncIteration:
                return
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
            yield event
    finally:
        await stream.close()
