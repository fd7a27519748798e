"""Every span, attribute, event and metric name the OpenTelemetry bridge emits, in one place.

The GenAI semantic conventions are still in Development and keep moving: they left
`open-telemetry/semantic-conventions` for `open-telemetry/semantic-conventions-genai`, renamed
`gen_ai.system` to `gen_ai.provider.name`, and the `gen_ai.*` constants of the
`opentelemetry-semantic-conventions` package are deprecated. So we keep our own names here, each
one pinned to the revision we read, and nothing else in the package spells a name by hand.

Spec revisions read (see `SPEC_DEFAULT` and `SPEC_NEWEST`; `profiles.py` says which names each
profile uses; tests/semconv/spec/ vendors the YAML at those commits and tells how we know which of
them are on `main`):
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

SPEC_DEFAULT: Final = "semantic-conventions-genai@3b4063d3e9d0e4f8591ea9b3b149477d5c58ceb9"
"""The default profile: `main` before #521 (the head of PR #499, which adds nothing we emit), the
vocabulary `opentelemetry-util-genai` 1.3b0 emits."""
SPEC_NEWEST: Final = "semantic-conventions-genai@e9de14bafd9725937c6b0c219897260074a2896c"
"""The newest profile: `main` with #521, #374, #440 and #574, plus #571 (the head of PR #571),
with #447 (transfers, head 11069855) and #427 (guardrail results, head f5e3733b) from their
pull requests, which are not on `main` yet."""
SPEC_REVISION: Final = SPEC_DEFAULT
PREFIX: Final = "otel_agents."

# --- gen_ai.operation.name values (span names are "{operation} {subject}") -------------------
OP_CHAT: Final = "chat"
OP_INVOKE_AGENT: Final = "invoke_agent"
OP_EXECUTE_TOOL: Final = "execute_tool"
OP_INVOKE_WORKFLOW: Final = "invoke_workflow"
OP_HANDLE_CONVERSATION_TURN: Final = "handle_conversation_turn"  # newest (#571)

# --- GenAI attributes (spec) ------------------------------------------------------------------
GEN_AI_OPERATION_NAME: Final = "gen_ai.operation.name"
GEN_AI_PROVIDER_NAME: Final = "gen_ai.provider.name"  # was gen_ai.system
GEN_AI_CONVERSATION_ID: Final = "gen_ai.conversation.id"
# The general registry's `user.id` ("Unique identifier of the user", Development), read from the
# trace metadata key below; like the conversation id, on spans and events only, never on metrics.
USER_ID: Final = "user.id"
TRACE_METADATA_USER_ID: Final = "user.id"
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
# The spec's events are log records (events.py).
EVENT_GUARDRAIL_RESULT: Final = "gen_ai.guardrail.result"
EVENT_INFERENCE_DETAILS: Final = "gen_ai.client.inference.operation.details"
EVENT_OPERATION_EXCEPTION: Final = "gen_ai.client.operation.exception"
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
OA_INCOMPLETE: Final = PREFIX + "incomplete"  # ended by shutdown while its run was in flight

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

# Per-operation histograms (gen-ai-metrics.md; as opentelemetry-util-genai 1.3b0 emits them).
METRIC_INVOKE_WORKFLOW_DURATION: Final = "gen_ai.invoke_workflow.duration"
METRIC_INVOKE_AGENT_DURATION: Final = "gen_ai.invoke_agent.duration"
METRIC_EXECUTE_TOOL_DURATION: Final = "gen_ai.execute_tool.duration"
METRIC_INVOKE_AGENT_INFERENCE_CALLS: Final = "gen_ai.invoke_agent.inference_calls"
METRIC_INVOKE_AGENT_TOOL_CALLS: Final = "gen_ai.invoke_agent.tool_calls"
WORKFLOW_SECONDS_BUCKETS: Final = (
    1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0,
)  # fmt: skip
COUNT_BUCKETS: Final = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0)  # model and tool calls
AGENT_SECONDS_BUCKETS: Final = (
    0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2, 102.4, 204.8, 409.6,
)  # fmt: skip

# Newest profile (#521, #374, #440, #571, #427).
METRIC_INFERENCE_DURATION: Final = "gen_ai.client.inference.duration"
METRIC_INFERENCE_TIME_TO_FIRST_CHUNK: Final = "gen_ai.client.inference.time_to_first_chunk"
METRIC_INFERENCE_TIME_PER_OUTPUT_CHUNK: Final = "gen_ai.client.inference.time_per_output_chunk"
_USAGE: Final = "gen_ai.client.inference.usage."
METRIC_INFERENCE_INPUT_TOKENS: Final = _USAGE + "input_tokens"
METRIC_INFERENCE_OUTPUT_TOKENS: Final = _USAGE + "output_tokens"
METRIC_INFERENCE_CACHE_READ_TOKENS: Final = _USAGE + "cache_read.input_tokens"
METRIC_INFERENCE_CACHE_WRITE_TOKENS: Final = _USAGE + "cache_write.input_tokens"
METRIC_INFERENCE_REASONING_TOKENS: Final = _USAGE + "reasoning.output_tokens"
METRIC_INFERENCE_OPERATION_INPUT_TOKENS: Final = "gen_ai.client.inference.operation.input_tokens"
METRIC_INFERENCE_OPERATION_OUTPUT_TOKENS: Final = "gen_ai.client.inference.operation.output_tokens"
METRIC_INVOCATION_DURATION: Final = "gen_ai.invocation.duration"
GEN_AI_TOKEN_MODALITY: Final = "gen_ai.token.modality"
TOKEN_MODALITY_UNKNOWN: Final = "unknown"  # usage not broken down by modality (#374)
GEN_AI_INVOCATION_IS_NESTED: Final = "gen_ai.invocation.is_nested"
GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS: Final = "gen_ai.usage.cache_write.input_tokens"
GEN_AI_TRANSFER_MODE: Final = "gen_ai.transfer.mode"  # #447
GEN_AI_TRANSFER_TARGET_NAME: Final = "gen_ai.transfer.target.name"
TRANSFER_MODE_PASS_CONTROL: Final = "pass_control"

# Cost: PR #443 (head 972e9e2a, not on main), both profiles. The attributes are defined on the
# inference span only ("MUST NOT include cost attributable to nested operations"); sums onto agent
# and root spans carry our own names (otel/cost.py).
SPEC_COST: Final = "semantic-conventions-genai@972e9e2a2a58baea4b1f68257d922265e7b1ce27"
GEN_AI_USAGE_COST_AMOUNT: Final = "gen_ai.usage.cost.amount"  # double, in the currency below
GEN_AI_USAGE_COST_CURRENCY: Final = "gen_ai.usage.cost.currency"  # ISO 4217
GEN_AI_USAGE_COST_SOURCE: Final = "gen_ai.usage.cost.source"  # provider | local
COST_SOURCE_LOCAL: Final = "local"
METRIC_OPERATION_COST: Final = "gen_ai.client.operation.cost"
COST_UNIT: Final = "{cost}"  # the currency is an attribute (UCUM has no currency units)
COST_BUCKETS: Final = (
    0.000001, 0.000005, 0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5,
    1.0, 5.0,
)  # fmt: skip  # ours: the draft's metrics.yaml at 972e9e2a is not stored here
OA_COST_AMOUNT: Final = PREFIX + "cost.amount"  # an agent span: the calls it made itself
OA_COST_TOTAL: Final = PREFIX + "cost.total"  # a root span: every priced call under it
OA_COST_CURRENCY: Final = PREFIX + "cost.currency"
OA_COST_UNCOUNTED_CALLS: Final = PREFIX + "cost.uncounted_calls"  # no price, or another currency
METRIC_COST: Final = PREFIX + "cost"  # counter by model, provider, agent, workflow, currency

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
