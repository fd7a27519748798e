"""Normalized span trees and metric tables, the same for in-memory spans and OTLP-received ones.

A tree drops what changes between runs (ids, times, durations) and keeps names, kinds, parents,
attributes, events and status, so it can be compared with a snapshot file in snapshots/.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from support.otel_memory import metric_points

SNAPSHOTS = Path(__file__).parent / "snapshots"
VOLATILE = {
    "otel_agents.span_id": "<span id>",
    "otel_agents.trace_id": "<trace id>",
    "gen_ai.response.time_to_first_chunk": "<seconds>",
}


@dataclass
class Node:
    name: str
    kind: str
    span_id: str
    parent_id: str
    attributes: dict[str, Any]
    events: list[tuple[str, dict[str, Any]]]
    status: str
    status_message: str
    start: int


def from_sdk(spans: Iterable[ReadableSpan]) -> list[Node]:
    return [
        Node(
            name=s.name,
            kind=s.kind.name,
            span_id=f"{s.context.span_id:016x}",
            parent_id=f"{s.parent.span_id:016x}" if s.parent else "",
            attributes=dict(s.attributes or {}),
            events=[(e.name, dict(e.attributes or {})) for e in s.events],
            status=s.status.status_code.name,
            status_message=s.status.description or "",
            start=s.start_time or 0,
        )
        for s in spans
    ]


def from_received(spans: Iterable[Any]) -> list[Node]:
    return [
        Node(
            name=s.name,
            kind=s.kind,
            span_id=s.span_id,
            parent_id=s.parent_span_id,
            attributes=s.attributes,
            events=[(e.name, e.attributes) for e in s.events],
            status=s.status_code,
            status_message=s.status_message,
            start=s.start_ns,
        )
        for s in spans
    ]


def _plain(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def _attrs(attributes: dict[str, Any]) -> dict[str, Any]:
    return {k: VOLATILE.get(k, _plain(v)) for k, v in sorted(attributes.items())}


def tree(nodes: Sequence[Node]) -> list[dict[str, Any]]:
    """The forest of `nodes` (roots are spans whose parent is not among them), normalized."""
    ids = {n.span_id for n in nodes}
    children: dict[str, list[Node]] = {}
    for n in nodes:
        children.setdefault(n.parent_id if n.parent_id in ids else "", []).append(n)

    def build(node: Node) -> dict[str, Any]:
        out: dict[str, Any] = {"name": node.name, "kind": node.kind}
        if node.status != "UNSET":
            out["status"] = [node.status, node.status_message]
        out["attributes"] = _attrs(node.attributes)
        if node.events:
            out["events"] = [[name, _attrs(a)] for name, a in node.events]
        kids = sorted(children.get(node.span_id, []), key=lambda n: (n.start, n.name))
        if kids:
            out["children"] = [build(k) for k in kids]
        return out

    return [build(n) for n in sorted(children.get("", []), key=lambda n: (n.start, n.name))]


def assert_snapshot(name: str, value: Any) -> None:
    """Compares `value` with snapshots/{name}.json; UPDATE_SNAPSHOTS=1 rewrites the file."""
    path = SNAPSHOTS / f"{name}.json"
    text = json.dumps(value, indent=2, sort_keys=False) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1" or not path.exists():
        path.write_text(text)
        if os.environ.get("UPDATE_SNAPSHOTS") != "1":
            raise AssertionError(
                f"snapshot {path.name} was missing and has been written: review it"
            )
        return
    assert json.loads(path.read_text()) == json.loads(text), f"differs from {path}"


@dataclass
class LogRow:
    """One exported log record (an event), normalized."""

    event_name: str
    severity: str
    attributes: dict[str, Any]
    trace_id: str
    span_id: str


@dataclass
class Pipeline:
    """In-memory OTel SDK pipeline for one test (all three signals)."""

    exporter: InMemorySpanExporter
    reader: InMemoryMetricReader
    tracer_provider: TracerProvider
    meter_provider: MeterProvider
    log_exporter: InMemoryLogRecordExporter | None = None
    logger_provider: LoggerProvider | None = None

    def logs(self, event_name: str | None = None) -> list[LogRow]:
        """Exported log records (of one event name, when given), in emission order."""
        rows = []
        finished = self.log_exporter.get_finished_logs() if self.log_exporter else ()
        for readable in finished:
            record = readable.log_record
            if event_name is not None and record.event_name != event_name:
                continue
            rows.append(
                LogRow(
                    event_name=record.event_name or "",
                    severity=record.severity_text or "",
                    attributes=dict(record.attributes or {}),
                    trace_id=f"{record.trace_id or 0:032x}",
                    span_id=f"{record.span_id or 0:016x}",
                )
            )
        return rows

    def nodes(self) -> list[Node]:
        return from_sdk(self.exporter.get_finished_spans())

    def tree(self) -> list[dict[str, Any]]:
        return tree(self.nodes())

    def span(self, name: str) -> Node:
        found = [n for n in self.nodes() if n.name == name]
        assert len(found) == 1, f"{len(found)} spans named {name!r}"
        return found[0]

    def points(self, metric: str) -> list[tuple[dict[str, Any], Any]]:
        """(attributes, value) of each point of `metric`: value for sums, the point for others."""
        return metric_points(self.reader, metric)
