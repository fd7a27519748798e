"""What each kind of span records: one small data class per span type.

Each class has a `type` (the span's `span_type`) and `export()` (a JSON-ready dict). Fields that
are known only later (a handoff's target, a guardrail's verdict, a generation's usage and output)
are filled by the runner before the span ends, so processors read them in `on_span_end`.

Content fields (`input`, `output`, instructions) are None when the run does not include sensitive
data (`RunConfig.trace_include_sensitive_data`); exporters add their own opt-in on top.
"""

from __future__ import annotations

import abc
from dataclasses import asdict, dataclass, field
from typing import Any, Literal


class SpanData(abc.ABC):
    """Base of every span's data."""

    @property
    @abc.abstractmethod
    def type(self) -> str:
        """The span type: "agent", "generation", "function", "guardrail", "handoff", "custom"."""

    def export(self) -> dict[str, Any]:
        """The data as a JSON-ready dict, with its `type`."""
        data = asdict(self)  # type: ignore[call-overload]
        data["type"] = self.type
        return data  # type: ignore[no-any-return]


@dataclass
class AgentSpanData(SpanData):
    """One agent's turns within a run.

    Attributes:
        name: The agent's name.
        handoffs: Names of the agents it can hand off to.
        tools: Names of its tools.
        output_type: Name of its structured output type, or None for text.
        model: The model it uses, when known.
        provider: The model's provider name, when known.
        stream_events: For streamed runs, how many stream events were emitted while this agent
            was current, keyed by "event type:name" (e.g.
            "raw_response_event:response.output_text.delta"). Counted per stream so a telemetry
            exporter records each count once, not once per token.
        run_outcome: Set on the last agent span of a run: "success", "error", "max_turns",
            "guardrail_tripped" or "cancelled". None on agent spans a run handed off from.
    """

    name: str
    handoffs: list[str] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    output_type: str | None = None
    model: str | None = None
    provider: str | None = None
    stream_events: dict[str, int] = field(default_factory=dict)
    run_outcome: str | None = None

    @property
    def type(self) -> str:
        return "agent"


@dataclass
class GenerationSpanData(SpanData):
    """One model call.

    Attributes:
        model: The requested model name.
        provider: The provider name (e.g. "openai").
        model_config: The model settings that were set (temperature, max_tokens, ...).
        server_address: Host of the model server, when known.
        server_port: Port of the model server, when known.
        stream: Whether the call was streamed.
        system_instructions: The instructions sent (sensitive).
        input: The input items sent (sensitive).
        output: The output items received, as dicts (sensitive).
        usage: Token usage: input_tokens, output_tokens, cached_input_tokens, cache_write_tokens,
            reasoning_tokens.
        response_id: The server's response id.
        response_model: The model name the server reported.
        finish_reasons: Why generation stopped.
        time_to_first_chunk: Seconds from the request to the first streamed event.
        chunk_count: Number of stream events received.
        output_chunk_count: Number of output deltas (text or arguments) received.
        time_per_output_chunk: Mean seconds between output deltas after the first.
        output_chunk_gaps: Seconds between each output delta and the one before, one per delta
            after the first (what the time-per-output-chunk metric records, point by point).
    """

    model: str | None = None
    provider: str | None = None
    model_config: dict[str, Any] = field(default_factory=dict)
    server_address: str | None = None
    server_port: int | None = None
    stream: bool = False
    system_instructions: str | None = None
    input: list[dict[str, Any]] | None = None
    output: list[dict[str, Any]] | None = None
    usage: dict[str, int] | None = None
    response_id: str | None = None
    response_model: str | None = None
    finish_reasons: list[str] = field(default_factory=list)
    time_to_first_chunk: float | None = None
    chunk_count: int = 0
    output_chunk_count: int = 0
    time_per_output_chunk: float | None = None
    output_chunk_gaps: list[float] = field(default_factory=list, repr=False)

    @property
    def type(self) -> str:
        return "generation"

    def export(self) -> dict[str, Any]:
        data = super().export()
        del data["output_chunk_gaps"]  # one number per token: for metrics, not for files
        return data


@dataclass
class FunctionSpanData(SpanData):
    """One tool call.

    Attributes:
        name: The tool name.
        call_id: The model's id for this call (links the call to its result).
        description: The tool's description.
        tool_type: "function" for function tools.
        input: The arguments as the model sent them, a JSON string (sensitive).
        output: The tool's result (sensitive).
    """

    name: str
    call_id: str | None = None
    description: str | None = None
    tool_type: str = "function"
    input: str | None = None
    output: Any = None

    @property
    def type(self) -> str:
        return "function"


@dataclass
class GuardrailSpanData(SpanData):
    """One guardrail check.

    Attributes:
        name: The guardrail's name.
        kind: "input" or "output".
        triggered: Whether its tripwire fired (filled when the check ends).
    """

    name: str
    kind: Literal["input", "output"] = "input"
    triggered: bool = False

    @property
    def type(self) -> str:
        return "guardrail"


@dataclass
class HandoffSpanData(SpanData):
    """One handoff from an agent to another.

    Attributes:
        from_agent: The agent handing off.
        to_agent: The agent receiving the conversation (filled when the handoff resolves).
    """

    from_agent: str | None = None
    to_agent: str | None = None

    @property
    def type(self) -> str:
        return "handoff"


@dataclass
class CustomSpanData(SpanData):
    """A user's own span.

    Attributes:
        name: The span's name.
        data: Any JSON-ready data.
        sensitive: When True, `data` is treated as content: exporters drop it unless content
            capture is on.
    """

    name: str
    data: dict[str, Any] = field(default_factory=dict)
    sensitive: bool = False

    @property
    def type(self) -> str:
        return "custom"
