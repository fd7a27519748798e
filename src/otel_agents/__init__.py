"""otel-agents: an agent runner with the OpenAI Agents SDK's API and OpenTelemetry-native tracing.

```python
from otel_agents import Agent, Runner

agent = Agent(name="Helper", instructions="Be helpful.")
result = Runner.run_sync(agent, "Hello")
print(result.final_output)
```

Every run is traced; with `OTEL_EXPORTER_OTLP_ENDPOINT` set, spans and metrics go to that OTLP
endpoint under the OpenTelemetry GenAI semantic conventions.
"""

from __future__ import annotations

from .agent import (
    Agent,
    StopAtTools,
    ToolsToFinalOutputFunction,
    ToolsToFinalOutputResult,
)
from .agent_output import AgentOutputSchema, AgentOutputSchemaBase
from .exceptions import (
    AgentsException,
    InputGuardrailTripwireTriggered,
    MaxTurnsExceeded,
    ModelBehaviorError,
    OutputGuardrailTripwireTriggered,
    RunErrorDetails,
    ToolTimeoutError,
    UserError,
)
from .guardrails import (
    GuardrailFunctionOutput,
    InputGuardrail,
    InputGuardrailResult,
    OutputGuardrail,
    OutputGuardrailResult,
    input_guardrail,
    output_guardrail,
)
from .handoffs import Handoff, HandoffInputData, HandoffInputFilter, handoff
from .items import (
    HandoffCallItem,
    HandoffOutputItem,
    ItemHelpers,
    MessageOutputItem,
    ReasoningItem,
    RunItem,
    ToolCallItem,
    ToolCallOutputItem,
)
from .lifecycle import AgentHooks, RunHooks
from .model_settings import ModelSettings
from .models import (
    Model,
    ModelProvider,
    ModelResponse,
    ModelTracing,
    OpenAIChatCompletionsModel,
    OpenAIProvider,
    OpenAIResponsesModel,
    ScriptedModel,
    set_default_openai_api,
    set_default_openai_client,
)
from .models.interface import InputItem as TResponseInputItem
from .result import RunResult, RunResultStreaming
from .run_config import RunConfig
from .run_context import RunContextWrapper, ToolContext
from .run_error_handlers import (
    RunErrorData,
    RunErrorHandler,
    RunErrorHandlerInput,
    RunErrorHandlerResult,
    RunErrorHandlers,
)
from .runner import Runner
from .stream_events import (
    AgentUpdatedStreamEvent,
    RawResponsesStreamEvent,
    RunItemStreamEvent,
    StreamEvent,
)
from .tool_guardrails import (
    ToolGuardrailFunctionOutput,
    ToolInputGuardrail,
    ToolInputGuardrailData,
    ToolInputGuardrailResult,
    ToolInputGuardrailTripwireTriggered,
    ToolOutputGuardrail,
    ToolOutputGuardrailData,
    ToolOutputGuardrailResult,
    ToolOutputGuardrailTripwireTriggered,
    tool_input_guardrail,
    tool_output_guardrail,
)
from .tools import (
    FunctionTool,
    FunctionToolResult,
    Tool,
    default_tool_error_function,
    function_tool,
)
from .tracing import (
    AgentSpanData,
    CustomSpanData,
    FunctionSpanData,
    GenerationSpanData,
    GuardrailSpanData,
    HandoffSpanData,
    Span,
    SpanData,
    SpanError,
    Trace,
    TracingProcessor,
    add_trace_processor,
    agent_span,
    custom_span,
    flush_traces,
    function_span,
    gen_span_id,
    gen_trace_id,
    generation_span,
    get_current_span,
    get_current_trace,
    guardrail_span,
    handoff_span,
    set_trace_processors,
    set_tracing_disabled,
    trace,
)
from .usage import RequestUsage, Usage

__version__ = "0.1.0"

__all__ = [
    "Agent",
    "AgentHooks",
    "AgentOutputSchema",
    "AgentOutputSchemaBase",
    "AgentSpanData",
    "AgentUpdatedStreamEvent",
    "AgentsException",
    "CustomSpanData",
    "FunctionSpanData",
    "FunctionTool",
    "FunctionToolResult",
    "GenerationSpanData",
    "GuardrailFunctionOutput",
    "GuardrailSpanData",
    "Handoff",
    "HandoffCallItem",
    "HandoffInputData",
    "HandoffInputFilter",
    "HandoffOutputItem",
    "HandoffSpanData",
    "InputGuardrail",
    "InputGuardrailResult",
    "InputGuardrailTripwireTriggered",
    "ItemHelpers",
    "MaxTurnsExceeded",
    "MessageOutputItem",
    "Model",
    "ModelBehaviorError",
    "ModelProvider",
    "ModelResponse",
    "ModelSettings",
    "ModelTracing",
    "OpenAIChatCompletionsModel",
    "OpenAIProvider",
    "OpenAIResponsesModel",
    "OutputGuardrail",
    "OutputGuardrailResult",
    "OutputGuardrailTripwireTriggered",
    "RawResponsesStreamEvent",
    "ReasoningItem",
    "RequestUsage",
    "RunConfig",
    "RunContextWrapper",
    "RunErrorData",
    "RunErrorDetails",
    "RunErrorHandler",
    "RunErrorHandlerInput",
    "RunErrorHandlerResult",
    "RunErrorHandlers",
    "RunHooks",
    "RunItem",
    "RunItemStreamEvent",
    "RunResult",
    "RunResultStreaming",
    "Runner",
    "ScriptedModel",
    "Span",
    "SpanData",
    "SpanError",
    "StopAtTools",
    "StreamEvent",
    "TResponseInputItem",
    "Tool",
    "ToolCallItem",
    "ToolCallOutputItem",
    "ToolContext",
    "ToolGuardrailFunctionOutput",
    "ToolInputGuardrail",
    "ToolInputGuardrailData",
    "ToolInputGuardrailResult",
    "ToolInputGuardrailTripwireTriggered",
    "ToolOutputGuardrail",
    "ToolOutputGuardrailData",
    "ToolOutputGuardrailResult",
    "ToolOutputGuardrailTripwireTriggered",
    "ToolTimeoutError",
    "ToolsToFinalOutputFunction",
    "ToolsToFinalOutputResult",
    "Trace",
    "TracingProcessor",
    "Usage",
    "UserError",
    "__version__",
    "add_trace_processor",
    "agent_span",
    "custom_span",
    "default_tool_error_function",
    "flush_traces",
    "function_span",
    "function_tool",
    "gen_span_id",
    "gen_trace_id",
    "generation_span",
    "get_current_span",
    "get_current_trace",
    "guardrail_span",
    "handoff",
    "handoff_span",
    "input_guardrail",
    "output_guardrail",
    "set_default_openai_api",
    "set_default_openai_client",
    "set_trace_processors",
    "set_tracing_disabled",
    "tool_input_guardrail",
    "tool_output_guardrail",
    "trace",
]
