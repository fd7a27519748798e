"""The two profiles of the GenAI conventions the bridge can emit, as data.

- `default`: the conventions as the released official instrumentation emits them
  (`opentelemetry-util-genai` / `opentelemetry-instrumentation-genai-openai-agents` 1.3b0) at
  `SPEC_DEFAULT`: the shape backends recognise today.
- `newest`: the newest revision (`SPEC_NEWEST`): #571 (a run is a `handle_conversation_turn`,
  every invocation records `gen_ai.invocation.duration`), #521 (inference metrics), #374 and #440
  (token counters by modality, cache writes), #447 (a handoff is a transfer tool call, the target
  agent nested under it) and #427 (guardrail verdicts as events, without an internal span).

`OTEL_AGENTS_SEMCONV` (or `OTelTracingProcessor(semconv=...)`) picks one; any other value logs one
warning naming the variable and the valid values, and the default applies. What differs between
the profiles is a field here; the mapping and the metrics read the fields, never the name.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from . import semconv as sc

logger = logging.getLogger("otel_agents.otel")

SEMCONV_ENV = "OTEL_AGENTS_SEMCONV"
"""Which profile: `default` or `newest`."""


@dataclass(frozen=True)
class Profile:
    """What one revision of the conventions names and how it shapes a run.

    Attributes:
        name: "default" or "newest".
        spec: The spec commit it follows.
        inference_duration: Histogram of a model call's duration.
        time_to_first_chunk: Histogram of a streamed call's time to its first chunk.
        time_per_output_chunk: Histogram of the time between output chunks, one point per chunk.
        token_usage: Histogram of tokens by `gen_ai.token.type`, or None.
        token_counters: (usage key, counter) pairs: a counter per kind of token (with
            `gen_ai.token.modality`), or empty.
        token_histograms: (usage key, histogram) pairs: tokens per model call, or empty.
        agent_duration: Histogram of an agent invocation's duration, or None.
        workflow_duration: Histogram of a workflow's duration, or None.
        invocation_duration: Histogram of every invocation (turn, workflow, agent), or None.
        conversation_turn: Each run is a `handle_conversation_turn` span (#571).
        handoff_as_tool: A handoff is `execute_tool transfer_to_<agent>` with
            `gen_ai.transfer.*`, and the receiving agent nests under it (#447).
        guardrail_span: A guardrail check is a span of its own (else only its verdict event, #427).
    """

    name: str
    spec: str
    inference_duration: str
    time_to_first_chunk: str
    time_per_output_chunk: str
    token_usage: str | None
    token_counters: tuple[tuple[str, str], ...]
    token_histograms: tuple[tuple[str, str], ...]
    agent_duration: str | None
    workflow_duration: str | None
    invocation_duration: str | None
    conversation_turn: bool
    handoff_as_tool: bool
    guardrail_span: bool


DEFAULT = Profile(
    name="default",
    spec=sc.SPEC_DEFAULT,
    inference_duration=sc.METRIC_OPERATION_DURATION,
    time_to_first_chunk=sc.METRIC_TIME_TO_FIRST_CHUNK,
    time_per_output_chunk=sc.METRIC_TIME_PER_OUTPUT_CHUNK,
    token_usage=sc.METRIC_TOKEN_USAGE,
    token_counters=(),
    token_histograms=(),
    agent_duration=sc.METRIC_INVOKE_AGENT_DURATION,
    workflow_duration=sc.METRIC_INVOKE_WORKFLOW_DURATION,
    invocation_duration=None,
    conversation_turn=False,
    handoff_as_tool=False,
    guardrail_span=True,
)

NEWEST = Profile(
    name="newest",
    spec=sc.SPEC_NEWEST,
    inference_duration=sc.METRIC_INFERENCE_DURATION,
    time_to_first_chunk=sc.METRIC_INFERENCE_TIME_TO_FIRST_CHUNK,
    time_per_output_chunk=sc.METRIC_INFERENCE_TIME_PER_OUTPUT_CHUNK,
    token_usage=None,
    token_counters=(
        ("input_tokens", sc.METRIC_INFERENCE_INPUT_TOKENS),
        ("output_tokens", sc.METRIC_INFERENCE_OUTPUT_TOKENS),
        ("cached_input_tokens", sc.METRIC_INFERENCE_CACHE_READ_TOKENS),
        ("cache_write_tokens", sc.METRIC_INFERENCE_CACHE_WRITE_TOKENS),
        ("reasoning_tokens", sc.METRIC_INFERENCE_REASONING_TOKENS),
    ),
    token_histograms=(
        ("input_tokens", sc.METRIC_INFERENCE_OPERATION_INPUT_TOKENS),
        ("output_tokens", sc.METRIC_INFERENCE_OPERATION_OUTPUT_TOKENS),
    ),
    agent_duration=None,
    workflow_duration=None,
    invocation_duration=sc.METRIC_INVOCATION_DURATION,
    conversation_turn=True,
    handoff_as_tool=True,
    guardrail_span=False,
)

PROFILES = {p.name: p for p in (DEFAULT, NEWEST)}
_warned: set[str] = set()


def resolve_profile(setting: str | None = None) -> Profile:
    """The profile for a processor argument; None reads `OTEL_AGENTS_SEMCONV`."""
    source = "semconv" if setting is not None else SEMCONV_ENV
    raw = setting if setting is not None else os.environ.get(SEMCONV_ENV, "")
    key = raw.strip().lower()
    if not key:
        return DEFAULT
    profile = PROFILES.get(key)
    if profile is not None:
        return profile
    if raw not in _warned:
        _warned.add(raw)
        logger.warning(
            "%s=%r is not a valid value (valid: %s); using the default profile",
            source,
            raw,
            ", ".join(PROFILES),
        )
    return DEFAULT
