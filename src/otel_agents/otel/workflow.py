"""What a trace becomes at the root of its OTel trace: a workflow, or a standalone agent.

The GenAI conventions give a workflow (`invoke_workflow {gen_ai.workflow.name}`) to an
orchestration the app names, and report one agent invoked on its own as a root `invoke_agent`
span. Both runners open a trace for every run that has none, named "Agent workflow" unless the
app names it (`RunConfig.workflow_name`); that constant is not a workflow name from the app, and
the spec forbids instrumentation-time constants there. So, per trace:

| the trace                                    | its OTel root                               |
| -------------------------------------------- | ------------------------------------------- |
| named by the app (`trace("x")`, a run config) | `invoke_workflow x`, at trace start         |
| default name, first span an agent with no     | that agent's `invoke_agent` span (no        |
| handoffs                                      | workflow span)                              |
| default name, anything else                   | `invoke_workflow {entry agent}`, started at |
|                                               | the first span with the trace's start time  |

The choice waits for the trace's first span because only then is the entry agent known. A trace
that ends with no span at all still gets its (unnamed) workflow span.
"""

from __future__ import annotations

from typing import Any, Protocol

from opentelemetry import trace as trace_api
from opentelemetry.trace import Status, StatusCode

from ..tracing.span_data import AgentSpanData, SpanData
from . import mapping
from . import semconv as sc
from .errors import ErrorLog
from .metrics import BridgeMetrics
from .parenting import Attachments, Entry
from .profiles import Profile


class TraceLike(mapping.TraceLike, Protocol):
    """What a root reads from a trace: what the mapping reads, and its start."""

    @property
    def start_time_ns(self) -> int | None: ...


DEFAULT_WORKFLOW_NAME = "Agent workflow"
"""`RunConfig.workflow_name`'s default in both runners: a constant, not a name from the app."""


class Root:
    """One open trace: its facts, and the entries its top-level spans nest under once decided.

    Attributes:
        opened_by_runner: The runner opened the trace for one run (else the app's `trace()`).
        entry: The workflow span's entry, once started.
        agent_root: The trace's root when it has no workflow span: a standalone agent's span,
            or (newest profile) the run's `handle_conversation_turn` span.
        turn: The open `handle_conversation_turn` of the run in progress (newest profile).
        transfer: (target agent, transfer span entry) of the last handoff, until the target's
            agent span starts under it (newest profile, #447).
        user_id: The `user.id` its spans and events carry (from the trace's metadata).
        workflow: The workflow name its spans and metrics carry (None when standalone).
    """

    __slots__ = (
        "agent_root",
        "cost",
        "entry",
        "group_id",
        "metadata",
        "name",
        "opened_by_runner",
        "start_ns",
        "trace_id",
        "transfer",
        "turn",
        "user_id",
        "workflow",
    )

    def __init__(self, trace: TraceLike, *, opened_by_runner: bool = False) -> None:
        self.trace_id = trace.trace_id
        self.name = trace.name
        self.group_id = trace.group_id
        self.metadata = trace.metadata
        self.user_id = mapping.user_id_from(trace.metadata)
        self.start_ns = trace.start_time_ns
        self.opened_by_runner = opened_by_runner
        self.entry: Entry | None = None
        self.agent_root: Entry | None = None
        self.turn: Entry | None = None
        self.transfer: tuple[str, Entry] | None = None
        self.workflow: str | None = None
        self.cost: Any = None  # a cost.CostSum of every model call of the trace

    @property
    def named_by_app(self) -> bool:
        """Whether the trace's name is a workflow name the app chose."""
        return bool(self.name) and self.name != DEFAULT_WORKFLOW_NAME

    @property
    def decided(self) -> bool:
        """Whether the root span (workflow, standalone agent or turn) exists."""
        return self.entry is not None or self.agent_root is not None

    @property
    def top(self) -> Entry | None:
        """The entry top-level spans nest under."""
        return self.entry or self.agent_root


def standalone(first: SpanData) -> bool:
    """Whether a default-named trace whose first span carries `first` is one agent on its own."""
    return isinstance(first, AgentSpanData) and not first.handoffs


def workflow_name_for(first: SpanData | None) -> str | None:
    """The workflow name of a default-named trace: its entry agent's, when the first span is."""
    return first.name if isinstance(first, AgentSpanData) else None


class RootSpans:
    """The part of `OTelTracingProcessor` that starts and ends the roots of traces: workflow
    spans, standalone agents, conversation turns and transfers (the table above)."""

    _profile: Profile
    _open: dict[str, Entry]
    _attachments: Attachments
    _errors: ErrorLog

    def _new_root(self, trace: Any) -> Root:
        """The root of a trace that starts; says once when its metadata's user id is unusable."""
        root = Root(trace, opened_by_runner=trace.opened_by_runner)
        metadata = trace.metadata
        if root.user_id is None and metadata and sc.TRACE_METADATA_USER_ID in metadata:
            self._errors.limited(
                "user.id",
                "otel-agents: trace metadata %r must be a non-empty string or an integer, got "
                "%s; no user.id is exported for this trace",
                sc.TRACE_METADATA_USER_ID,
                type(metadata[sc.TRACE_METADATA_USER_ID]).__name__,
            )
        return root

    def _start(
        self,
        start: mapping.SpanStart,
        start_ns: int | None,
        parent: Entry | None,
        span_id: str | None,
        root_of: str | None,
    ) -> trace_api.Span:
        raise NotImplementedError

    def _set_error(
        self, otel_span: trace_api.Span, error: mapping.SpanErrorLike, end_ns: int | None
    ) -> str:
        raise NotImplementedError

    def _store(self, table: dict[str, Any], key: str, value: Any) -> None:
        raise NotImplementedError

    def _get_metrics(self) -> BridgeMetrics:
        raise NotImplementedError

    def _place(self, root: Root, data: SpanData, start_ns: int | None) -> tuple[Entry | None, bool]:
        """The parent of a top-level span (starting the trace's root span if it is the first),
        and whether the span is itself the root of the OTel trace (workflow.py)."""
        profile = self._profile
        if isinstance(data, AgentSpanData):
            transfer = root.transfer
            if transfer is not None and transfer[0] == data.name:
                root.transfer = None
                return transfer[1], False  # the receiving agent nests under its transfer (#447)
            if profile.conversation_turn and root.turn is None:
                if not root.decided and root.opened_by_runner:
                    root.agent_root = self._start_turn(root, data.name, None, start_ns)
                    return root.agent_root, False
                root.turn = self._start_turn(root, data.name, root.top, start_ns)
                return root.turn, False
        if root.turn is not None:
            return root.turn, False
        if not root.decided:
            if standalone(data):
                # No workflow span, but our own run counter keeps the name the app gave.
                root.workflow = root.name if root.named_by_app else None
                return None, True
            name = root.name if root.named_by_app else workflow_name_for(data)
            self._start_workflow(root, name, attach=False)
        return root.top, False

    def _start_turn(
        self, root: Root, agent: str, parent: Entry | None, start_ns: int | None
    ) -> Entry:
        """A `handle_conversation_turn` span for one run (newest profile)."""
        start = mapping.turn_start(agent, conversation_id=root.group_id, user_id=root.user_id)
        pin = root.trace_id if parent is None else None
        otel_span = self._start(start, start_ns, parent, None, pin)
        entry = Entry(otel_span, agent, None, root.group_id, root.user_id)
        entry.context = trace_api.set_span_in_context(entry.otel_span)
        entry.turn = entry
        entry.start_ns = start_ns
        root.turn = entry
        return entry

    def _verdict_only(self, span: Any, host: Entry | None) -> None:
        """A guardrail with no span of its own (newest): its verdict event is about `host`."""
        if host is None:
            return
        entry = Entry(host.otel_span, host.agent, host.workflow, host.group_id, host.user_id)
        entry.virtual = True
        self._store(self._open, span.span_id, entry)

    def _start_workflow(self, root: Root, workflow: str | None, *, attach: bool) -> None:
        """Starts `root`'s workflow span (at the trace's start time)."""
        start = mapping.workflow_start(
            workflow,
            trace_id=root.trace_id,
            conversation_id=root.group_id,
            metadata=root.metadata,
            user_id=root.user_id,
        )
        # No span of ours is current in a workflow's own context: `_start` nests it under the
        # app's current span if there is one, else it takes the trace id.
        otel_span = self._start(start, root.start_ns, None, None, root.trace_id)
        entry = Entry(otel_span, None, workflow, root.group_id, root.user_id)
        root.entry = entry
        root.workflow = workflow
        if attach:
            self._attachments.attach(entry)
        else:  # started late, from a child's start: its children need its context all the same
            entry.context = trace_api.set_span_in_context(otel_span)

    def _run_ended(self, root: Root, entry: Entry, span: Any) -> None:
        """A run's last agent span (`entry`, of `span`) ended: ends the run's turn, unless the
        run is nested in another run of the trace.

        The turn belongs to the outermost run, the one whose top-level agent span opened it
        (`_place`). A nested run, such as an agent used as a tool (`Agent.as_tool`), joins the
        caller's trace in both runners: its agent spans are children of the tool's function
        span, which is still open, and inherit the caller's turn. Ending the turn there would
        cut it before the outer run's last model calls (and their cost)."""
        turn = entry.turn
        parent_id = span.parent_id
        if turn is None or (parent_id and parent_id in self._open):
            return
        self._end_turn(root, turn, span.error, span.end_time_ns)

    def _end_turn(
        self, root: Root, turn: Entry, error: mapping.SpanErrorLike | None, end_ns: int | None
    ) -> None:
        """Ends a run's `handle_conversation_turn` span as its last agent ends."""
        if root.turn is turn:
            root.turn = None
        error_type = None
        if error is not None:
            error_type = self._set_error(turn.otel_span, error, end_ns)
        turn.otel_span.end(end_time=end_ns)
        # From our own times: a span that records nothing (no tracer provider) has none.
        seconds = seconds_between(turn.start_ns, end_ns)
        if seconds is not None:
            self._get_metrics().record_invocation(
                sc.OP_HANDLE_CONVERSATION_TURN, seconds, error_type, nested=False, agent=turn.agent
            )


def seconds_between(start_ns: int | None, end_ns: int | None) -> float | None:
    if start_ns is None or end_ns is None:
        return None
    return max(end_ns - start_ns, 0) / 1e9


def end_unfinished(entries: list[Entry], errors: ErrorLog) -> None:
    """Ends spans whose run is still in flight as the process ends, marked
    `otel_agents.incomplete` with an ERROR status, so their partial trace is exported."""
    for entry in entries:
        try:
            if entry.otel_span.is_recording():
                entry.otel_span.set_attribute(sc.OA_INCOMPLETE, True)
                entry.otel_span.set_status(Status(StatusCode.ERROR, "unfinished at shutdown"))
                entry.otel_span.end()
        except Exception as error:
            errors.internal("shutdown", error)
