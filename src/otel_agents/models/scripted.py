"""`ScriptedModel`: an offline model that plays a script, one step per model call.

For tests (ours and users'), and for the offline demo. A script is a list of steps:

```python
from otel_agents.models import ScriptedModel, call_tool, say, transfer_to, turn

model = ScriptedModel([
    call_tool("get_weather", {"city": "Paris"}),        # 1st call: a tool call
    transfer_to("Doc Processor"),                        # 2nd call: a handoff
    turn(say("Two calls:"), call_tool("a"), call_tool("b")),  # 3rd: several outputs at once
    "It is sunny in Paris.",                             # 4th: a text reply (same as say(...))
    lambda request: say(f"You said {len(request.input)} things"),  # 5th: computed from the request
])
```

Replies are real `openai.types.responses` objects; streamed replies are the Responses API's event
sequence with one `response.output_text.delta` per word. Ids and call ids are deterministic per
model instance ("resp_scripted_1", "msg_scripted_2", "call_1"), so tests can compare them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from openai.types.responses import Response, ResponseOutputItem, ResponseStreamEvent

from .._naming import transfer_tool_name
from ..exceptions import UserError
from ._responses_events import (
    ResponseStreamBuilder,
    function_call_item,
    make_response,
    make_usage,
    output_message,
)
from .interface import Model, ModelRequest, ModelResponse

__all__ = [
    "CallTool",
    "Fail",
    "Say",
    "ScriptedModel",
    "Step",
    "StepFunction",
    "Turn",
    "call_tool",
    "fail",
    "say",
    "say_json",
    "transfer_to",
    "transfer_tool_name",
    "turn",
]


@dataclass(frozen=True)
class Say:
    """A text reply. Token counts, when given, replace the counted ones."""

    text: str
    input_tokens: int | None = None
    output_tokens: int | None = None


@dataclass(frozen=True)
class CallTool:
    """A function tool call; `arguments` is sent as-is (so it may be malformed JSON)."""

    name: str
    arguments: str = "{}"
    call_id: str | None = None


@dataclass(frozen=True)
class Turn:
    """Several outputs in one model response (e.g. text then a tool call, parallel tool calls)."""

    steps: tuple[Say | CallTool, ...]


@dataclass(frozen=True)
class Fail:
    """The model call raises `exc`."""

    exc: BaseException


Step: TypeAlias = Say | CallTool | Turn | Fail
"""One model call's scripted behaviour."""

StepFunction: TypeAlias = Callable[[ModelRequest], Step | str]
"""A step computed from the request, e.g. to echo the last tool output."""


def say(text: str, *, input_tokens: int | None = None, output_tokens: int | None = None) -> Say:
    """A text reply, streamed one word per delta."""
    return Say(text, input_tokens, output_tokens)


def say_json(obj: Any, *, input_tokens: int | None = None, output_tokens: int | None = None) -> Say:
    """A structured-output reply: `obj` (a dict, list, pydantic model or dataclass) as JSON text."""
    if hasattr(obj, "model_dump") and callable(obj.model_dump):
        obj = obj.model_dump(mode="json")
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        obj = dataclasses.asdict(obj)
    return Say(json.dumps(obj), input_tokens, output_tokens)


def call_tool(
    name: str, arguments: Mapping[str, Any] | str | None = None, *, call_id: str | None = None
) -> CallTool:
    """A call of the function tool `name`; a dict is sent as JSON, a str as-is."""
    if arguments is None:
        arguments = "{}"
    elif not isinstance(arguments, str):
        arguments = json.dumps(dict(arguments))
    return CallTool(name, arguments, call_id)


def transfer_to(agent_name: str) -> CallTool:
    """A handoff: a call of the tool `transfer_to_<agent name in snake case>` with `{}`."""
    return CallTool(transfer_tool_name(agent_name), "{}")


def turn(*steps: Say | CallTool | Turn | str) -> Turn:
    """Several outputs in one model response, in order."""
    flat: list[Say | CallTool] = []
    for step in steps:
        if isinstance(step, str):
            flat.append(Say(step))
        elif isinstance(step, Turn):
            flat.extend(step.steps)
        elif isinstance(step, (Say, CallTool)):
            flat.append(step)
        else:
            raise UserError(
                f"turn() takes say(...), call_tool(...), transfer_to(...) or str, not {step!r}"
            )
    return Turn(tuple(flat))


def fail(exc: BaseException) -> Fail:
    """The model call raises `exc` (e.g. an `openai.APIError` or a `ModelBehaviorError`)."""
    return Fail(exc)


# One chunk per word, whitespace kept, so that the chunks joined give the text back.
_WORD = re.compile(r"\s*\S+\s*")
_COUNTED_KEYS = frozenset({"content", "text", "arguments", "output", "refusal"})


def _chunks(text: str) -> list[str]:
    return _WORD.findall(text) or ([text] if text else [])


def _count_words(value: Any) -> int:
    """Words in the text-bearing fields of input items (message text, tool arguments/outputs)."""
    if isinstance(value, str):
        return len(value.split())
    if isinstance(value, Mapping):
        return sum(
            _count_words(v) if (k in _COUNTED_KEYS or not isinstance(v, str)) else 0
            for k, v in value.items()
        )
    if isinstance(value, (list, tuple)):
        return sum(_count_words(v) for v in value)
    return 0


class ScriptedModel(Model):
    """A model that answers from a script, offline, deterministically.

    Each `get_response` / `stream_response` call consumes one step; `turn(...)` is one step.

    Args:
        script: Steps: `say(...)`, `call_tool(...)`, `transfer_to(...)`, `turn(...)`, `fail(...)`,
            `say_json(...)`, a str (a text reply), or a callable taking the `ModelRequest` and
            returning one of those.
        model_name: The model name reported in responses.
        chunk_delay: Seconds to wait between streamed deltas (for demos); 0 never waits.

    Attributes:
        requests: Every request received, in order (what the model was shown).
    """

    provider_name = "scripted"
    server_address = None
    server_port = None

    def __init__(
        self,
        script: Sequence[Step | str | StepFunction],
        *,
        model_name: str = "scripted-model",
        chunk_delay: float = 0.0,
    ) -> None:
        for entry in script:
            if not isinstance(entry, (str, Say, CallTool, Turn, Fail)) and not callable(entry):
                raise UserError(
                    f"ScriptedModel {model_name!r}: {entry!r} is not a step; use say(), "
                    "call_tool(), transfer_to(), turn(), fail(), say_json(), a str or a callable"
                )
        self.model_name = model_name
        self.chunk_delay = chunk_delay
        self.requests: list[ModelRequest] = []
        self._script = list(script)
        self._position = 0
        self._ids = 0
        self._calls = 0

    @property
    def remaining_steps(self) -> int:
        """Steps not played yet (0 when a test's script was fully used)."""
        return len(self._script) - self._position

    def _new_id(self, kind: str) -> str:
        self._ids += 1
        return f"{kind}_scripted_{self._ids}"

    def _take(self, request: ModelRequest) -> tuple[tuple[Say | CallTool, ...], int, int]:
        """Consumes one step: returns its outputs and the (input, output) token counts."""
        if self._position >= len(self._script):
            n = len(self._script)
            raise UserError(
                f"The script of ScriptedModel {self.model_name!r} has {n} step"
                f"{'' if n == 1 else 's'} and step {n + 1} was requested: add steps to the "
                "script (one per model call)"
            )
        entry = self._script[self._position]
        self._position += 1
        self.requests.append(request)
        if not isinstance(entry, (str, Say, CallTool, Turn, Fail)):
            entry = entry(request)
            if not isinstance(entry, (str, Say, CallTool, Turn, Fail)):
                raise UserError(
                    f"A callable step of ScriptedModel {self.model_name!r} returned {entry!r}; "
                    "it must return say(...), call_tool(...), turn(...), fail(...) or a str"
                )
        if isinstance(entry, Fail):
            raise entry.exc
        if isinstance(entry, str):
            outputs: tuple[Say | CallTool, ...] = (Say(entry),)
        elif isinstance(entry, Turn):
            outputs = entry.steps
        else:
            outputs = (entry,)
        explicit_in = [o.input_tokens for o in outputs if isinstance(o, Say) and o.input_tokens]
        if explicit_in:
            input_tokens = sum(explicit_in)
        else:
            input_tokens = _count_words(request.system_instructions) + _count_words(
                list(request.input)
            )
        output_tokens = 0
        for o in outputs:
            if isinstance(o, Say):
                counted = len(_chunks(o.text))
                output_tokens += o.output_tokens if o.output_tokens is not None else counted
            else:
                output_tokens += len(_chunks(o.arguments))
        return outputs, input_tokens, output_tokens

    def _call_id(self, call: CallTool) -> str:
        if call.call_id is not None:
            return call.call_id
        self._calls += 1
        return f"call_{self._calls}"

    def render_response(self, request: ModelRequest) -> Response:
        """Consumes one step and returns it as a Responses API `Response` (for test servers too)."""
        outputs, input_tokens, output_tokens = self._take(request)
        response_id = self._new_id("resp")
        items: list[ResponseOutputItem] = []
        for o in outputs:
            if isinstance(o, Say):
                items.append(output_message(self._new_id("msg"), o.text))
            else:
                item_id = self._new_id("fc")
                items.append(function_call_item(item_id, self._call_id(o), o.name, o.arguments))
        return make_response(
            response_id=response_id,
            model=self.model_name,
            output=items,
            usage=make_usage(input_tokens, output_tokens),
            created_at=time.time(),
        )

    def render_stream(self, request: ModelRequest) -> Iterator[ResponseStreamEvent]:
        """Consumes one step now and returns its Responses stream events (for test servers too)."""
        outputs, input_tokens, output_tokens = self._take(request)
        return self._events(outputs, make_usage(input_tokens, output_tokens))

    def _events(
        self, outputs: tuple[Say | CallTool, ...], usage: Any
    ) -> Iterator[ResponseStreamEvent]:
        builder = ResponseStreamBuilder(
            response_id=self._new_id("resp"), model=self.model_name, new_item_id=self._new_id
        )
        yield from builder.start()
        for o in outputs:
            if isinstance(o, Say):
                # An empty reply still is a message, with one empty delta.
                for chunk in _chunks(o.text) or [""]:
                    yield from builder.text_delta(chunk)
            else:
                yield from builder.function_call(call_id=self._call_id(o), name=o.name)
                for chunk in _chunks(o.arguments):
                    yield from builder.arguments_delta(chunk)
            yield from builder.close_item()
        yield from builder.finish(usage)

    async def get_response(self, request: ModelRequest) -> ModelResponse:
        """Plays the next step and returns it whole."""
        return ModelResponse.from_response(self.render_response(request))

    async def stream_response(self, request: ModelRequest) -> AsyncIterator[ResponseStreamEvent]:
        """Plays the next step as Responses stream events, word by word."""
        events = self.render_stream(request)
        delay = self.chunk_delay
        if delay <= 0:
            for event in events:
                yield event
            return
        for event in events:
            if event.type.endswith(".delta"):
                await asyncio.sleep(delay)
            yield event
