"""What a run returns: the final output, the items it produced, usage, and for streamed runs the
event stream.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .guardrails import InputGuardrailResult, OutputGuardrailResult
from .items import RunItem
from .models.interface import InputItem, ModelResponse
from .run_context import RunContextWrapper
from .stream_events import StreamEvent
from .usage import Usage

if TYPE_CHECKING:
    from .agent import Agent
    from .tool_guardrails import ToolInputGuardrailResult, ToolOutputGuardrailResult


@dataclass
class RunResultBase:
    """Fields shared by finished and streamed runs.

    Attributes:
        input: The run's input as given.
        new_items: Items the run produced (messages, tool calls and outputs, handoffs).
        raw_responses: Every model response, in order.
        final_output: The last agent's final output (text, or an instance of its output_type).
        input_guardrail_results: Results of the input guardrails.
        output_guardrail_results: Results of the output guardrails.
        usage: Token and request totals of the run.
        context_wrapper: The run's context wrapper (the user's context and the usage).
        tool_input_guardrail_results, tool_output_guardrail_results: The tools' guardrails.
    """

    input: str | list[InputItem]
    new_items: list[RunItem] = field(default_factory=list)
    raw_responses: list[ModelResponse] = field(default_factory=list)
    final_output: Any = None
    input_guardrail_results: list[InputGuardrailResult] = field(default_factory=list)
    output_guardrail_results: list[OutputGuardrailResult] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    context_wrapper: RunContextWrapper[Any] = field(
        default_factory=lambda: RunContextWrapper(context=None)
    )
    tool_input_guardrail_results: list[ToolInputGuardrailResult] = field(default_factory=list)
    tool_output_guardrail_results: list[ToolOutputGuardrailResult] = field(default_factory=list)

    @property
    def last_response_id(self) -> str | None:
        """The id of the last model response, when the server gave one."""
        return self.raw_responses[-1].response_id if self.raw_responses else None

    def to_input_list(self) -> list[InputItem]:
        """The run's input followed by its new items: the input of the next turn of a chat."""
        base: list[InputItem] = (
            [{"role": "user", "content": self.input}]
            if isinstance(self.input, str)
            else [dict(item) for item in self.input]
        )
        return base + [item.to_input_item() for item in self.new_items]

    def final_output_as(self, cls: type[Any], raise_if_incorrect_type: bool = False) -> Any:
        """The final output, typed as `cls` (checked only with `raise_if_incorrect_type`, as in
        the SDK).

        Raises:
            TypeError: `raise_if_incorrect_type` and the output is not a `cls`.
        """
        if raise_if_incorrect_type and not isinstance(self.final_output, cls):
            raise TypeError(
                f"final_output is {type(self.final_output).__name__}, not {cls.__name__}"
            )
        return self.final_output


@dataclass
class RunResult(RunResultBase):
    """The result of `Runner.run` / `Runner.run_sync`.

    Attributes:
        last_agent: The agent that produced the final output.
    """

    last_agent: Agent[Any] | None = None


_DONE = object()

MAX_QUEUED_EVENTS = 256
"""Stream events a streamed run queues for its consumer before it waits for the consumer to read:
a slow consumer slows the run instead of letting the queue (and memory) grow with its lag."""


@dataclass
class RunResultStreaming(RunResultBase):
    """A streamed run: iterate `stream_events()`; the other fields fill in as the run goes.

    Attributes:
        current_agent: The agent running now (the last agent once the run is complete).
        is_complete: True once the run has ended, however it ended.
        current_turn: Model calls made so far.
        max_turns: The run's turn limit (None: no limit).
    """

    current_agent: Agent[Any] | None = None
    is_complete: bool = False
    current_turn: int = 0
    max_turns: int | None = None
    _queue: asyncio.Queue[Any] = field(default_factory=asyncio.Queue, repr=False)
    _room: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    _task: asyncio.Task[None] | None = field(default=None, repr=False)
    _exception: BaseException | None = field(default=None, repr=False)
    _cancelled: bool = field(default=False, repr=False)
    _stop_after_turn: Callable[[], None] | None = field(default=None, repr=False)

    @property
    def last_agent(self) -> Agent[Any] | None:
        """The agent that produced the final output (the current agent while running)."""
        return self.current_agent

    @property
    def run_loop_exception(self) -> BaseException | None:
        """The error that ended the run (None while running, on success, or after `cancel()`)."""
        return None if self._cancelled else self._exception

    def cancel(self, mode: Literal["immediate", "after_turn"] = "immediate") -> None:
        """Stops the run.

        Args:
            mode: "immediate" (default): the run stops now, open spans end with the outcome
                "cancelled", and `stream_events()` ends without the events still queued and
                without raising. "after_turn": the running turn finishes (its model response,
                its tool calls), then the run stops; keep reading `stream_events()` to the end.
        """
        if mode == "after_turn":
            if self._stop_after_turn is not None:
                self._stop_after_turn()
            return
        if mode != "immediate":
            raise ValueError(f'cancel(mode={mode!r}): use "immediate" or "after_turn".')
        self._cancelled = True
        self._room.set()
        self.is_complete = True
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(_DONE)
        if self._task is not None and not self._task.done():
            self._task.cancel()

    async def stream_events(self) -> AsyncIterator[StreamEvent]:
        """Yields the run's events as they happen, then re-raises the run's error, if any.

        Leaving the loop early (`break`) cancels the run, so no task outlives its consumer; after
        `cancel()` the stream just ends.
        """
        finished = False
        try:
            while True:
                event = await self._queue.get()
                if not self._room.is_set() and self._queue.qsize() <= MAX_QUEUED_EVENTS // 2:
                    self._room.set()  # the run was waiting for room: half the queue is free
                if event is _DONE:
                    finished = True
                    break
                yield event
        finally:
            if not finished:
                self.cancel()
        if self._cancelled and self._task is not None and not self._task.done():
            # Let the cancelled run close its spans and trace before the consumer moves on.
            await asyncio.gather(self._task, return_exceptions=True)
        if self._exception is not None and not self._cancelled:
            raise self._exception

    # Called by the runner (the producer side of the stream).
    async def _room_for_more(self) -> None:
        while self._queue.qsize() >= MAX_QUEUED_EVENTS and not self._cancelled:
            self._room.clear()
            await self._room.wait()

    def _push(self, event: StreamEvent) -> None:
        if not self._cancelled:
            self._queue.put_nowait(event)

    def _finish(self, exception: BaseException | None) -> None:
        self._exception = exception
        self.is_complete = True
        if not self._cancelled:
            self._queue.put_nowait(_DONE)
