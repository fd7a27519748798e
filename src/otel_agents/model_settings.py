"""Per-agent sampling and tool settings passed to the model on every call."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Literal

ToolChoice = Literal["auto", "required", "none"] | str


@dataclass(frozen=True)
class ModelSettings:
    """Optional model parameters; `None` means "use the server's default".

    Attributes:
        temperature: Sampling temperature.
        top_p: Nucleus sampling mass.
        max_tokens: Upper bound on generated tokens.
        tool_choice: "auto", "required", "none", or the name of one tool to force.
        parallel_tool_calls: Whether the model may call several tools in one turn.
        include_usage: Ask for token usage on streamed Chat Completions (default on).
        timeout: Seconds one model call may take (else env OTEL_AGENTS_MODEL_TIMEOUT, 600).
        idle_timeout: Seconds a model stream may stay silent, before its first event or between
            two (else env OTEL_AGENTS_MODEL_IDLE_TIMEOUT, 60).
        max_tool_calls: Tool calls one model response may hold (else env
            OTEL_AGENTS_MAX_TOOL_CALLS, 256).
    """

    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    tool_choice: ToolChoice | None = None
    parallel_tool_calls: bool | None = None
    include_usage: bool | None = None
    timeout: float | None = None
    idle_timeout: float | None = None
    max_tool_calls: int | None = None

    def resolve(self, override: ModelSettings | None) -> ModelSettings:
        """Returns these settings with every non-None field of `override` applied on top."""
        if override is None:
            return self
        changes = {f.name: getattr(override, f.name) for f in fields(override)}
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def to_dict(self) -> dict[str, Any]:
        """The settings that are set, as a plain dict (for span data and logs)."""
        return {
            f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None
        }
