"""Every span, attribute, event and metric name the OpenTelemetry bridge emits, in one place.

The GenAI semantic conventions are still in Development and keep moving: they left
`open-telemetry/semantic-conventions` for `open-telemetry/semantic-conventions-genai`, renamed
`gen_ai.system` to `gen_ai.provider.name`, and the `gen_ai.*` constants of the
`opentelemetry-semantic-conventions` package are deprecated. So we keep our own names here, each
one pinned to the revision we read, and nothing else in the package spells a name by hand.

Spec revision read: semantic-conventions-genai `main` as of November 2026 (commit 002c8a6):
- spans: https://github.com/open-telemetry/semantic-conventions-genai/blob/main/docs/gen-ai/gen-ai-spans.md
- agents: https://github.com/open-telemetry/semantic-conventions-genai/blob/main/docs/gen-ai/gen-ai-agent-spans.md
- events: https://github.com/open-telemetry/semantic-conventions-genai/blob/main/docs/gen-ai/gen-ai-events.md
- guardrails: https://github.com/open-telemetry/semantic-conventions-genai/blob/main/docs/gen-ai/gen-ai-guardrails.md
- metrics: https://github.com/open-telemetry/semantic-conventions-genai/blob/main/docs/gen-ai/gen-ai-metrics.md
- `error.type`, `server.*`, `exception.*`: stable general conventions (semantic-conventions v1.41).

Names that the conventions do not define carry our own prefix, `otel_agents.`.
"""

from __future__ import annotations

from typing import Final

SPEC_REVISION: Final = "semantic-conventions-genai@002c8a6 (2026-11)"
PREFIX: Final = "otel_agents."

# --- gen_ai.operation.name values (span names are "{operation} {subject}") -------------------
OP_CHAT: Final = "chat"
OP_INVOKE_AGENT: Final = "invoke_agent"
OP_EXECUTE_TOOL: Final = "execute_tool"
OP_INVOKE_WORKFLOW: Final = "invoke_workflow"

# --- GenAI attributes (spec) ------------------------------------------------------------------
GEN_AI_OPERATION_NAME: Final = "gen_ai.operation.name"
GEN_AI_PROVIDER_NAME: Final = "gen_ai.provider.name"  # was gen_ai.system
GEN_AI_CONVERSATION_ID: Final = "gen_ai.conversation.id"
GEN_AI_WORKFLOW_NAME: Final = "gen_ai.workflow.name"
GEN_AI_AGENT_NAME: Final = "gen_ai.agent.name"
GEN_AI_OUTPUT_TYPE: Final = "gen_ai.output.type"

GEN_AI_REQUEST_MODEL: Final = "gen_ai.request.model"
GEN_AI_REQUEST_TEMPERATURE: Final = "gen_ai.request.temperature"
GEN_AI_REQUEST_TOP_P: Final = "gen_ai.request.top_p"
GEN_AI_REQUEST_TOP_K: Final = "gen_ai.request.top_k"
GEN_AI_REQUEST_MAX_TOKENS: Final = "gen_ai.request.max_tokens"
GEN_AI_REQUEST_FREQUENCY_PENALTY: Final = "gen_ai.request.frequency_penalty"
GEN_AI_REQUEST_PRESENCE_PENALTY: Final = "gen_ai.request.presence_penalty"
GEN_AI_REQUEST_STOP_SEQUENCES: Final = "gen_ai.request.stop_sequences"
GEN_AI_REQUEST_SEED: Final = "gen_ai.request.seed"
GEN_AI_REQUEST_CHOICE_COUNT: Final = "gen_ai.request.choice.count"  # only when != 1
GEN_AI_REQUEST_STREAM: Final = "gen_ai.request.stream"

GEN_AI_RESPONSE_ID: Final = "gen_ai.response.id"
GEN_AI_RESPONSE_MODEL: Final = "gen_ai.response.model"
GEN_AI_RESPONSE_FINISH_REASONS: Final = "gen_ai.response.finish_reasons"
GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK: Final = "gen_ai.response.time_to_first_chunk"

GEN_AI_USAGE_INPUT_TOKENS: Final = "gen_ai.usage.input_tokens"
GEN_AI_USAGE_OUTPUT_TOKENS: Final = "gen_ai.usage.output_tokens"
GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: Final = "gen_ai.usage.cache_read.input_tokens"
GEN_AI_USAGE_REASONING_OUTPUT_TOKENS: Final = "gen_ai.usage.reasoning.output_tokens"

GEN_AI_TOOL_NAME: Final = "gen_ai.tool.name"
GEN_AI_TOOL_TYPE: Final = "gen_ai.tool.type"
GEN_AI_TOOL_DESCRIPTION: Final = "gen_ai.tool.description"
GEN_AI_TOOL_CALL_ID: Final = "gen_ai.tool.call.id"

# Opt-in content (JSON strings on spans: structured attributes are not supported on spans yet).
GEN_AI_SYSTEM_INSTRUCTIONS: Final = "gen_ai.system_instructions"
GEN_AI_INPUT_MESSAGES: Final = "gen_ai.input.messages"
GEN_AI_OUTPUT_MESSAGES: Final = "gen_ai.output.messages"
GEN_AI_TOOL_CALL_ARGUMENTS: Final = "gen_ai.tool.call.arguments"
GEN_AI_TOOL_CALL_RESULT: Final = "gen_ai.tool.call.result"

# Guardrail result (gen-ai-guardrails.md, "OpenAI Agents" example).
GEN_AI_GUARDRAIL_COMPONENT_NAME: Final = "gen_ai.guardrail.component.name"
GEN_AI_GUARDRAIL_SOURCE: Final = "gen_ai.guardrail.source"
GEN_AI_GUARDRAIL_RESULT_TYPE: Final = "gen_ai.guardrail.result.type"
GEN_AI_GUARDRAIL_RESULT_VALUE: Final = "gen_ai.guardrail.result.value"
GUARDRAIL_RESULT_TYPE_TRIPWIRE: Final = "tripwire_triggered"

GEN_AI_TOKEN_TYPE: Final = "gen_ai.token.type"
TOKEN_TYPE_INPUT: Final = "input"
TOKEN_TYPE_OUTPUT: Final = "output"

# --- General (stable) attributes --------------------------------------------------------------
ERROR_TYPE: Final = "error.type"
ERROR_TYPE_OTHER: Final = "_OTHER"
SERVER_ADDRESS: Final = "server.address"
SERVER_PORT: Final = "server.port"
EXCEPTION_TYPE: Final = "exception.type"
EXCEPTION_MESSAGE: Final = "exception.message"

# --- Events -----------------------------------------------------------------------------------
EVENT_EXCEPTION: Final = "exception"
EVENT_GUARDRAIL_RESULT: Final = "gen_ai.guardrail.result"
# The spec's content event is a log-record event; we record it as a span event (see capture.py).
EVENT_INFERENCE_DETAILS: Final = "gen_ai.client.inference.operation.details"
EVENT_TOOL_CALL_DETAILS: Final = PREFIX + "tool.call.details"
EVENT_CUSTOM_DETAILS: Final = PREFIX + "custom.details"

# --- Our own attributes -----------------------------------------------------------------------
OA_TRACE_ID: Final = PREFIX + "trace_id"  # our "trace_<32 hex>", kept for search
OA_SPAN_ID: Final = PREFIX + "span_id"  # our "span_<16 hex>"
OA_TRACE_METADATA_PREFIX: Final = PREFIX + "trace.metadata."
OA_CUSTOM_PREFIX: Final = PREFIX + "custom."
OA_AGENT_TOOLS: Final = PREFIX + "agent.tools"
OA_AGENT_HANDOFFS: Final = PREFIX + "agent.handoffs"
OA_AGENT_OUTPUT_TYPE: Final = PREFIX + "agent.output_type"
OA_RUN_OUTCOME: Final = PREFIX + "run.outcome"
OA_REQUEST_TOOL_CHOICE: Final = PREFIX + "request.tool_choice"
OA_REQUEST_PARALLEL_TOOL_CALLS: Final = PREFIX + "request.parallel_tool_calls"
OA_RESPONSE_CHUNK_COUNT: Final = PREFIX + "response.chunk_count"
OA_RESPONSE_OUTPUT_CHUNK_COUNT: Final = PREFIX + "response.output_chunk_count"
OA_HANDOFF_FROM_AGENT: Final = PREFIX + "handoff.from_agent"
OA_HANDOFF_TO_AGENT: Final = PREFIX + "handoff.to_agent"
OA_GUARDRAIL_NAME: Final = PREFIX + "guardrail.name"
OA_GUARDRAIL_KIND: Final = PREFIX + "guardrail.kind"
OA_GUARDRAIL_TRIGGERED: Final = PREFIX + "guardrail.triggered"
OA_ERROR_DATA: Final = PREFIX + "error.data"  # only with content capture on
OA_STREAM_EVENT_TYPE: Final = PREFIX + "stream.event.type"
OA_STREAM_EVENT_NAME: Final = PREFIX + "stream.event.name"
OA_TOOL_OUTCOME: Final = PREFIX + "tool.outcome"
OA_SIGNAL: Final = PREFIX + "signal"

# --- Metrics ----------------------------------------------------------------------------------
# Spec histograms; boundaries are the spec's ExplicitBucketBoundaries advice.
METRIC_TOKEN_USAGE: Final = "gen_ai.client.token.usage"
METRIC_OPERATION_DURATION: Final = "gen_ai.client.operation.duration"
METRIC_TIME_TO_FIRST_CHUNK: Final = "gen_ai.client.operation.time_to_first_chunk"
METRIC_TIME_PER_OUTPUT_CHUNK: Final = "gen_ai.client.operation.time_per_output_chunk"
TOKEN_BUCKETS: Final = (
    1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0,
    1048576.0, 4194304.0, 16777216.0, 67108864.0,
)  # fmt: skip
SECONDS_BUCKETS: Final = (
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
)  # fmt: skip

# Our counters (a Grafana dashboard queries these exact names).
METRIC_STREAM_EVENTS: Final = PREFIX + "stream.events"
METRIC_RUNS: Final = PREFIX + "runs"
METRIC_TOOL_CALLS: Final = PREFIX + "tool.calls"
METRIC_HANDOFFS: Final = PREFIX + "handoffs"
METRIC_GUARDRAIL_TRIPS: Final = PREFIX + "guardrail.trips"
METRIC_TELEMETRY_DROPPED: Final = PREFIX + "telemetry.dropped"

# Instrumentation scope.
SCOPE_NAME: Final = "otel_agents"

# Environment variable (shared with other GenAI instrumentations).
ENV_CAPTURE_MESSAGE_CONTENT: Final = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
