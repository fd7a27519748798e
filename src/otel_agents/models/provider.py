"""`OpenAIProvider`: model names to OpenAI models, and the process-wide defaults behind it.

Which API serves a model name: `set_default_openai_api(...)`, else the environment variable
`OTEL_AGENTS_OPENAI_API`, else "responses". Which client: the provider's own, else
`set_default_openai_client(...)`, else one built on first use from `OPENAI_API_KEY` and
`OPENAI_BASE_URL`. Which model when an agent names none: `OTEL_AGENTS_DEFAULT_MODEL`, else
"gpt-4.1-mini".

What configures a real model is one rule, `openai_configured` (in `_defaults.py`, so the CLI
reads it without loading the openai client): `OPENAI_API_KEY` or `OPENAI_BASE_URL`. With a base URL
and no key the client built here gets `PLACEHOLDER_API_KEY`.

A client built here is rebuilt when those variables change and for each event loop: an httpx
connection pool belongs to the loop that opened it, and `Runner.run_sync` runs a new loop per call.
It is closed when its loop ends; a client given by the user is reset then instead (`_loops.py`).
"""

from __future__ import annotations

import asyncio
import os
import weakref
from typing import Literal, TypeGuard

from openai import AsyncOpenAI

from ..exceptions import UserError
from ._defaults import (
    API_ENV,
    DEFAULT_MODEL,
    MODEL_ENV,
    PLACEHOLDER_API_KEY,
    default_model_name,
    env_value,
    openai_configured,
)
from ._loops import owned
from .interface import Model, ModelProvider
from .openai_chat import OpenAIChatCompletionsModel
from .openai_responses import OpenAIResponsesModel

__all__ = [
    "API_ENV",
    "DEFAULT_MODEL",
    "MODEL_ENV",
    "PLACEHOLDER_API_KEY",
    "OpenAIApi",
    "OpenAIProvider",
    "default_model_name",
    "default_openai_api",
    "get_default_model_provider",
    "openai_configured",
    "set_default_openai_api",
    "set_default_openai_client",
]

OpenAIApi = Literal["responses", "chat_completions"]

_APIS: tuple[OpenAIApi, ...] = ("responses", "chat_completions")

_default_client: AsyncOpenAI | None = None
_default_api: OpenAIApi | None = None
_default_provider: OpenAIProvider | None = None
# The base URL each client built here was built for (the client keeps only its resolved one).
_built_for: weakref.WeakKeyDictionary[AsyncOpenAI, str | None] = weakref.WeakKeyDictionary()


def _is_api(value: str) -> TypeGuard[OpenAIApi]:
    return value in _APIS


def _check_api(value: str, source: str) -> OpenAIApi:
    if not _is_api(value):
        raise UserError(
            f"{source} is {value!r}; valid values are 'responses' (the OpenAI Responses API) and "
            "'chat_completions' (Chat Completions, for vLLM, Ollama, LM Studio and the like)"
        )
    return value


def set_default_openai_client(client: AsyncOpenAI | None) -> None:
    """Makes `client` the one every `OpenAIProvider` without its own client uses (None: unset)."""
    global _default_client
    _default_client = client


def set_default_openai_api(api: OpenAIApi | None) -> None:
    """Chooses the API for OpenAI models: "responses" or "chat_completions" (None: unset).

    This wins over the environment variable `OTEL_AGENTS_OPENAI_API`.
    """
    global _default_api
    _default_api = None if api is None else _check_api(api, "set_default_openai_api(api)")


def default_openai_api() -> OpenAIApi:
    """The API in effect: set_default_openai_api, else OTEL_AGENTS_OPENAI_API, else "responses"."""
    if _default_api is not None:
        return _default_api
    value = os.environ.get(API_ENV, "").strip()
    return (
        _check_api(value.lower(), f"The environment variable {API_ENV}") if value else "responses"
    )


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class OpenAIProvider(ModelProvider):
    """Builds OpenAI models for model names, on a client made lazily on first use.

    Args:
        openai_client: The client to use; the default client or the environment otherwise.
        api_key: An API key for the client built here (else `OPENAI_API_KEY`).
        base_url: A base URL for the client built here (else `OPENAI_BASE_URL`, else OpenAI).
        api: "responses" or "chat_completions"; the process default when None.
    """

    def __init__(
        self,
        *,
        openai_client: AsyncOpenAI | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        api: OpenAIApi | None = None,
    ) -> None:
        self._client = openai_client
        self._api_key = api_key
        self._base_url = base_url
        self._api = None if api is None else _check_api(api, "OpenAIProvider(api=...)")
        # One client per event loop: a connection pool must not be shared across loops.
        self._built: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncOpenAI] = (
            weakref.WeakKeyDictionary()
        )
        self._unbound: AsyncOpenAI | None = None  # built outside any loop

    def get_model(self, model_name: str | None) -> Model:
        """The model for `model_name` (the default model when None) on the API in effect."""
        name = model_name or default_model_name()
        api = self._api or default_openai_api()
        client = self._get_client()
        if api == "chat_completions":
            return OpenAIChatCompletionsModel(name, client)
        return OpenAIResponsesModel(name, client)

    def _get_client(self) -> AsyncOpenAI:
        if self._client is not None:
            return self._client
        if _default_client is not None:
            return _default_client
        base_url = self._base_url or env_value("OPENAI_BASE_URL") or None
        api_key = self._api_key or env_value("OPENAI_API_KEY")
        if not api_key and base_url:
            api_key = PLACEHOLDER_API_KEY  # a local server needs none; the client insists
        if not api_key:
            raise UserError(
                "No OpenAI API key: set OPENAI_API_KEY for OpenAI, or OPENAI_BASE_URL for a local "
                "OpenAI-compatible server (vLLM, Ollama, LM Studio; e.g. "
                "http://localhost:11434/v1; it needs no key). To run offline, give the agent a "
                "ScriptedModel (otel_agents.models.ScriptedModel)."
            )
        loop = _running_loop()
        built = self._built.get(loop) if loop is not None else self._unbound
        # The key is compared with the one the client holds, so no other copy of it is kept.
        if built is not None and built.api_key == api_key and _built_for.get(built) == base_url:
            return built
        # Closed when its loop ends (see _loops.py); the next loop gets a client of its own.
        built = owned(AsyncOpenAI(api_key=api_key, base_url=base_url))
        _built_for[built] = base_url
        if loop is not None:
            self._built[loop] = built
        else:
            self._unbound = built
        return built


def get_default_model_provider() -> OpenAIProvider:
    """The process-wide provider that resolves model names given as strings."""
    global _default_provider
    if _default_provider is None:
        _default_provider = OpenAIProvider()
    return _default_provider
