"""A model server that cannot be reached, in one line: `OPENAI_BASE_URL`, the URL tried, the fix.

A run whose first model call fails because its server refused the connection, could not be
found, or accepted it and never answered (the idle timeout, or the call deadline, hit before the
first event) did not fail: it never started. `unreachable(error)` recognises those errors; the CLI
then prints `Unreachable.line()` and exits 2 instead of "[Failed: Connection error.]" and a trace.
Every other model error (an HTTP status, a stream cut off mid-way) stays a run failure.

The line tells a refused connection from a silent server by opening one TCP connection to it
(after the run, off the event loop), since a short idle timeout can end the call while the openai
client is still retrying a refused one. The URL is shown with any credentials hidden.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from openai import APIConnectionError, APITimeoutError

from ..exceptions import ModelTimeoutError
from ..models._limits import IDLE_TIMEOUT_ENV, TIMEOUT_ENV
from ..otel.settings import safe_url
from .telemetry import host_port, tcp_check

__all__ = ["OPENAI_URL", "Unreachable", "unreachable"]

OPENAI_URL = "https://api.openai.com/v1"
"""Where the openai client sends requests when `OPENAI_BASE_URL` is unset."""


class Unreachable(Exception):
    """The run's model server could not be reached, or never answered.

    Attributes:
        host: The server's host.
        port: Its port.
        silence: How long it stayed silent and which limit ended the wait ("for 0.5 s (the
            idle timeout, OTEL_AGENTS_MODEL_IDLE_TIMEOUT)"), None when the connection failed.
        variable: The variable that sets that limit, if any.
        cause: What the openai client reported, for a connection that failed.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        silence: str | None = None,
        variable: str | None = None,
        cause: str = "",
    ) -> None:
        super().__init__(f"{host}:{port}")
        self.host, self.port = host, port
        self.silence, self.variable, self.cause = silence, variable, cause

    def line(self, *, offline_hint: bool, environ: Mapping[str, str] | None = None) -> str:
        """The one line for the user (opens one TCP connection to tell refused from silent)."""
        host = f"[{self.host}]" if ":" in self.host else self.host  # an IPv6 address
        env = os.environ if environ is None else environ
        configured = env.get("OPENAI_BASE_URL", "").strip()
        if host_port(configured or OPENAI_URL) == (self.host, self.port):
            tried = safe_url(configured or OPENAI_URL)
            where = f"OPENAI_BASE_URL={tried}" if configured else f"{tried} (OPENAI_BASE_URL unset)"
            fix = (
                "start the model server or point OPENAI_BASE_URL at one that runs"
                if configured
                else "check the network (or HTTPS_PROXY), or set OPENAI_BASE_URL to a local server"
            )
        else:  # the app's own client, not the environment, chose this server
            where = f"{host}:{self.port} (the app's own OpenAI client, not OPENAI_BASE_URL)"
            fix = "start that server or fix the base_url the app gives its client"
        if offline_hint:
            fix += "; otel-agents demo --offline needs no model server"
        refused = tcp_check(f"http://{host}:{self.port}")
        if refused is not None:
            return f"Model server {where} cannot be reached: {refused}. To fix: {fix}"
        if self.silence is None:
            return (
                f"Model server {where} accepts connections but the request failed "
                f"({self.cause}). To fix: check that it speaks the OpenAI API (http or https, "
                f"the /v1 path), or {fix}"
            )
        slow = f"raise {self.variable} if it is only slow, or " if self.variable else ""
        return (
            f"Model server {where} accepted the connection but sent nothing {self.silence}. "
            f"To fix: check that the server is serving a model (its logs), {slow}{fix}"
        )


def _cause(error: BaseException) -> str:
    """The innermost message in the exception's chain (a TLS error, a dropped connection)."""
    found = str(error)
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        found = str(current) or found
        current = current.__cause__ or current.__context__
    return found


def unreachable(error: BaseException) -> Unreachable | None:
    """The `Unreachable` for a run that failed because its model server never answered."""
    if isinstance(error, APIConnectionError):
        url = error.request.url
        port = url.port or (443 if url.scheme == "https" else 80)
        if isinstance(error, APITimeoutError):  # the openai client's own timeout
            return Unreachable(url.host, port, silence="within the openai client's timeout")
        return Unreachable(url.host, port, cause=_cause(error))
    if isinstance(error, ModelTimeoutError) and error.events == 0 and error.server_address:
        idle = error.limit == "idle_timeout"
        variable = IDLE_TIMEOUT_ENV if idle else TIMEOUT_ENV
        limit = "the idle timeout" if idle else "the model call deadline"
        return Unreachable(
            error.server_address,
            error.server_port or 80,
            silence=f"for {error.seconds:g} s ({limit}, {variable})",
            variable=variable,
        )
    return None
