"""The mutable state of one run, shared by the loop and the turn steps."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .guardrails import InputGuardrailResult, OutputGuardrailResult
from .items import RunItem
from .models.interface import InputItem, ModelResponse, ToolSpec
from .run_context import RunContextWrapper
from .stream_events import StreamEvent

if TYPE_CHECKING:
    from .agent import Agent
    from .lifecycle import RunHooks
    from .run_config import RunConfig
    from .run_error_handlers import RunErrorHandlers
    from .tool_guardrails import ToolInputGuardrailResult, ToolOutputGuardrailResult


@dataclass
class RunState:
    """Everything a run has produced so far, and how it reports it.

    Attributes:
        config: The run's configuration.
        context: The user's context, wrapped (its `usage` is the run's usage).
        original_input: The input as given to the runner.
        input_items: The input as Responses input items (an input filter may trim it).
        model_input: `input_items` plus every generated item, as the model sees them.
        current_agent: The agent running now.
        max_turns: How many model calls the run may make (None: no limit).
        include_sensitive: Whether span data carries content.
        emit: Pushes a stream event (None for runs that are not streamed).
        pace: Waits while the stream's consumer is far behind (backpressure; streamed runs).
        on_agent: Told when a new agent starts running (streamed runs track `current_agent`).
        event_counts: Stream events emitted while the current agent ran, by (type, name).
        hooks: The run's lifecycle hooks.
        error_handlers: The run's error handlers (`max_turns`).
        tool_input_guardrail_results, tool_output_guardrail_results: Verdicts of the tools'
            guardrails.
        offered: Per agent id, the tools, handoffs and tool specs offered, for agents whose
            offer cannot change during the run (no `is_enabled` functions).
        used_tools: Ids of the agents that called tools in this run (for `reset_tool_choice`).
        history_filtered: Whether a handoff input filter replaced the input.
        stop_after_turn: Set by `cancel(mode="after_turn")`: end the run when the running turn
            is done.
    """

    config: RunConfig
    context: RunContextWrapper[Any]
    original_input: str | list[InputItem]
    input_items: list[InputItem]
    current_agent: Agent[Any]
    max_turns: int | None
    include_sensitive: bool
    emit: Callable[[StreamEvent], None] | None = None
    pace: Callable[[], Awaitable[None]] | None = None
    on_agent: Callable[[Agent[Any]], None] | None = None
    model_input: list[InputItem] = field(default_factory=list)
    generated_items: list[RunItem] = field(default_factory=list)
    raw_responses: list[ModelResponse] = field(default_factory=list)
    input_guardrail_results: list[InputGuardrailResult] = field(default_factory=list)
    output_guardrail_results: list[OutputGuardrailResult] = field(default_factory=list)
    final_output: Any = None
    current_turn: int = 0
    event_counts: dict[tuple[str, str], int] = field(default_factory=dict)
    stop_after_turn: bool = False
    hooks: RunHooks[Any] | None = None
    error_handlers: RunErrorHandlers | None = None
    used_tools: set[int] = field(default_factory=set)
    offered: dict[int, tuple[list[Any], list[Any], list[ToolSpec]]] = field(default_factory=dict)
    tool_input_guardrail_results: list[ToolInputGuardrailResult] = field(default_factory=list)
    tool_output_guardrail_results: list[ToolOutputGuardrailResult] = field(default_factory=list)
    history_filtered: bool = False

    def __post_init__(self) -> None:
        self.model_input = list(self.input_items)

    def add_item(self, item: RunItem, event_name: str | None) -> None:
        """Records a new item and, for streamed runs, emits it as a run item event."""
        self.generated_items.append(item)
        self.model_input.append(item.to_input_item())
        if self.emit is not None and event_name is not None:
            from .stream_events import RunItemStreamEvent

            self.emit(RunItemStreamEvent(name=event_name, item=item))  # type: ignore[arg-type]
            key = ("run_item_stream_event", event_name)
            self.event_counts[key] = self.event_counts.get(key, 0) + 1

    def replace_history(self, input_items: list[InputItem], items: list[RunItem]) -> None:
        """Applies a handoff input filter: the next agent sees only this history."""
        self.input_items = input_items
        self.history_filtered = True
        self.generated_items = items
        self.model_input = input_items + [item.to_input_item() for item in items]
