"""The model-choosing environment variables and the default model name.

Kept apart from `provider.py`, which loads the openai client: `otel-agents doctor` reports these
without importing it.
"""

from __future__ import annotations

import os

API_ENV = "OTEL_AGENTS_OPENAI_API"
"""Environment variable choosing the API: "responses" (default) or "chat_completions"."""
MODEL_ENV = "OTEL_AGENTS_DEFAULT_MODEL"
"""Environment variable naming the model used when an agent names none."""
DEFAULT_MODEL = "gpt-4.1-mini"
"""The model used when an agent names none and `OTEL_AGENTS_DEFAULT_MODEL` is unset."""


def default_model_name() -> str:
    """The model used when an agent names none: `OTEL_AGENTS_DEFAULT_MODEL`, else gpt-4.1-mini."""
    return os.environ.get(MODEL_ENV, "").strip() or DEFAULT_MODEL
