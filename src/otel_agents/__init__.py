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

from importlib import import_module
from typing import TYPE_CHECKING

# Submodules are imported on first use of one of their names (PEP 562): `import otel_agents`
# alone costs next to nothing, and the CLI's `--help`, `view` and `doctor` never load the openai
# client or the runner. Type checkers read the imports below; tests/test_lazy_imports.py checks
# that they and `_LAZY` name the same things.
if TYPE_CHECKING:
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
        ModelTimeoutError,
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

# Public name -> the module that defines it (relative to this package).
_LAZY: dict[str, str] = {
    "Agent": ".agent",
    "StopAtTools": ".agent",
    "ToolsToFinalOutputFunction": ".agent",
    "ToolsToFinalOutputResult": ".agent",
    "AgentOutputSchema": ".agent_output",
    "AgentOutputSchemaBase": ".agent_output",
    "AgentsException": ".exceptions",
    "InputGuardrailTripwireTriggered": ".exceptions",
    "MaxTurnsExceeded": ".exceptions",
    "ModelBehaviorError": ".exceptions",
    "ModelTimeoutError": ".exceptions",
    "OutputGuardrailTripwireTriggered": ".exceptions",
    "RunErrorDetails": ".exceptions",
    "ToolTimeoutError": ".exceptions",
    "UserError": ".exceptions",
    "GuardrailFunctionOutput": ".guardrails",
    "InputGuardrail": ".guardrails",
    "InputGuardrailResult": ".guardrails",
    "OutputGuardrail": ".guardrails",
    "OutputGuardrailResult": ".guardrails",
    "input_guardrail": ".guardrails",
    "output_guardrail": ".guardrails",
    "Handoff": ".handoffs",
    "HandoffInputData": ".handoffs",
    "HandoffInputFilter": ".handoffs",
    "handoff": ".handoffs",
    "HandoffCallItem": ".items",
    "HandoffOutputItem": ".items",
    "ItemHelpers": ".items",
    "MessageOutputItem": ".items",
    "ReasoningItem": ".items",
    "RunItem": ".items",
    "ToolCallItem": ".items",
    "ToolCallOutputItem": ".items",
    "AgentHooks": ".lifecycle",
    "RunHooks": ".lifecycle",
    "ModelSettings": ".model_settings",
    "Model": ".models",
    "ModelProvider": ".models",
    "ModelResponse": ".models",
    "ModelTracing": ".models",
    "OpenAIChatCompletionsModel": ".models",
    "OpenAIProvider": ".models",
    "OpenAIResponsesModel": ".models",
    "ScriptedModel": ".models",
    "set_default_openai_api": ".models",
    "set_default_openai_client": ".models",
    "TResponseInputItem": ".models.interface",
    "RunResult": ".result",
    "RunResultStreaming": ".result",
    "RunConfig": ".run_config",
    "RunContextWrapper": ".run_context",
    "ToolContext": ".run_context",
    "RunErrorData": ".run_error_handlers",
    "RunErrorHandler": ".run_error_handlers",
    "RunErrorHandlerInput": ".run_error_handlers",
    "RunErrorHandlerResult": ".run_error_handlers",
    "RunErrorHandlers": ".run_error_handlers",
    "Runner": ".runner",
    "AgentUpdatedStreamEvent": ".stream_events",
    "RawResponsesStreamEvent": ".stream_events",
    "RunItemStreamEvent": ".stream_events",
    "StreamEvent": ".stream_events",
    "ToolGuardrailFunctionOutput": ".tool_guardrails",
    "ToolInputGuardrail": ".tool_guardrails",
    "ToolInputGuardrailData": ".tool_guardrails",
    "ToolInputGuardrailResult": ".tool_guardrails",
    "ToolInputGuardrailTripwireTriggered": ".tool_guardrails",
    "ToolOutputGuardrail": ".tool_guardrails",
    "ToolOutputGuardrailData": ".tool_guardrails",
    "ToolOutputGuardrailResult": ".tool_guardrails",
    "ToolOutputGuardrailTripwireTriggered": ".tool_guardrails",
    "tool_input_guardrail": ".tool_guardrails",
    "tool_output_guardrail": ".tool_guardrails",
    "FunctionTool": ".tools",
    "FunctionToolResult": ".tools",
    "Tool": ".tools",
    "default_tool_error_function": ".tools",
    "function_tool": ".tools",
    "AgentSpanData": ".tracing",
    "CustomSpanData": ".tracing",
    "FunctionSpanData": ".tracing",
    "GenerationSpanData": ".tracing",
    "GuardrailSpanData": ".tracing",
    "HandoffSpanData": ".tracing",
    "Span": ".tracing",
    "SpanData": ".tracing",
    "SpanError": ".tracing",
    "Trace": ".tracing",
    "TracingProcessor": ".tracing",
    "add_trace_processor": ".tracing",
    "agent_span": ".tracing",
    "custom_span": ".tracing",
    "flush_traces": ".tracing",
    "function_span": ".tracing",
    "gen_span_id": ".tracing",
    "gen_trace_id": ".tracing",
    "generation_span": ".tracing",
    "get_current_span": ".tracing",
    "get_current_trace": ".tracing",
    "guardrail_span": ".tracing",
    "handoff_span": ".tracing",
    "set_trace_processors": ".tracing",
    "set_tracing_disabled": ".tracing",
    "trace": ".tracing",
    "RequestUsage": ".usage",
    "Usage": ".usage",
}
_ALIASES = {"TResponseInputItem": "InputItem"}


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
    "ModelTimeoutError",
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

# Hidden from type checkers, which would otherwise accept any attribute of the package.
if not TYPE_CHECKING:

    def __getattr__(name: str) -> object:
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(import_module(module, __name__), _ALIASES.get(name, name))
        globals()[name] = value  # later lookups do not come here
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *_LAZY})
