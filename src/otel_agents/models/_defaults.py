"""The model-choosing environment variables, the default model name, and the one rule for what
configures a real model: `OPENAI_API_KEY` or `OPENAI_BASE_URL` (the library's provider, `otel-agents
demo` and `otel-agents run` all follow `openai_configured`). A local server (vLLM, Ollama,
llama.cpp) needs no key, so a base URL alone is enough: the provider then gives the openai client,
which refuses to start without a key, `PLACEHOLDER_API_KEY`.

Kept apart from `provider.py`, which loads the openai client: `otel-agents doctor` reports these
without importing it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

API_ENV = "OTEL_AGENTS_OPENAI_API"
"""Environment variable choosing the API: "responses" (default) or "chat_completions"."""
MODEL_ENV = "OTEL_AGENTS_DEFAULT_MODEL"
"""Environment variable naming the model used when an agent names none."""
DEFAULT_MODEL = "gpt-4.1-mini"
"""The model used when an agent names none and `OTEL_AGENTS_DEFAULT_MODEL` is unset."""


def default_model_name() -> str:
    """The model used when an agent names none: `OTEL_AGENTS_DEFAULT_MODEL`, else gpt-4.1-mini."""
    return os.environ.get(MODEL_ENV, "").strip() or DEFAULT_MODEL


PLACEHOLDER_API_KEY = "local"
"""The key sent to a server set by `OPENAI_BASE_URL` when `OPENAI_API_KEY` is unset."""


def env_value(name: str, environ: Mapping[str, str] | None = None) -> str:
    """The variable's value without surrounding blanks ("" when unset)."""
    return (os.environ if environ is None else environ).get(name, "").strip()


def openai_configured(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the environment configures a real model: `OPENAI_API_KEY` or `OPENAI_BASE_URL`."""
    return bool(env_value("OPENAI_API_KEY", environ) or env_value("OPENAI_BASE_URL", environ))
