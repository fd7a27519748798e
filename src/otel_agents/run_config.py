"""`RunConfig`: the settings of one run, which override the agents' own."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import _env
from .guardrails import InputGuardrail, OutputGuardrail
from .handoffs import HandoffInputFilter
from .model_settings import ModelSettings
from .models import get_default_model_provider
from .models.interface import Model, ModelProvider


def _default_include_sensitive() -> bool:
    # Ours wins when set; else the OpenAI Agents SDK's variable, so its users' settings hold.
    if _env.is_set(_env.TRACE_INCLUDE_SENSITIVE_DATA):
        return _env.env_bool(_env.TRACE_INCLUDE_SENSITIVE_DATA, True)
    return _env.env_bool(_env.SDK_TRACE_INCLUDE_SENSITIVE_DATA, True)


@dataclass
class RunConfig:
    """Settings for one run, overriding the agents' own.

    Attributes:
        model: A model name or `Model` used by every agent of the run.
        model_provider: Resolves model names; default: OpenAI (OPENAI_API_KEY, OPENAI_BASE_URL).
        model_settings: Settings applied on top of each agent's.
        handoff_input_filter: Trims what the receiving agent sees at every handoff that has no
            `input_filter` of its own.
        input_guardrails: Input guardrails for the run, besides the starting agent's.
        output_guardrails: Output guardrails for the run, besides the final agent's.
        workflow_name: Name of the run's trace.
        trace_id: Id of the run's trace (the SDK's form is "trace_" + 32 hex digits; any other
            non-empty string is accepted and mapped to a valid id); generated when None.
        group_id: Groups the traces of one conversation (e.g. a chat session id).
        trace_metadata: Extra data recorded on the trace.
        tracing_disabled: No trace or span for this run.
        trace_include_sensitive_data: Whether span data carries prompts, completions and tool
            arguments/results (default: env OTEL_AGENTS_TRACE_INCLUDE_SENSITIVE_DATA, else
            OPENAI_AGENTS_TRACE_INCLUDE_SENSITIVE_DATA, else true). Exporters add their own
            opt-in on top (OpenTelemetry: content capture is off by default).
    """

    model: str | Model | None = None
    model_provider: ModelProvider | None = None
    model_settings: ModelSettings | None = None
    handoff_input_filter: HandoffInputFilter | None = None
    input_guardrails: list[InputGuardrail[Any]] = field(default_factory=list)
    output_guardrails: list[OutputGuardrail[Any]] = field(default_factory=list)
    workflow_name: str = "Agent workflow"
    trace_id: str | None = None
    group_id: str | None = None
    trace_metadata: dict[str, Any] | None = None
    tracing_disabled: bool = False
    trace_include_sensitive_data: bool = field(default_factory=_default_include_sensitive)

    def get_model_provider(self) -> ModelProvider:
        return self.model_provider or get_default_model_provider()
