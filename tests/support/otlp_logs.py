"""Log records as the test OTLP receiver decodes them (`ReceivedLog`), split from
`otlp_receiver.py` to keep that module about transport.

The event name is the log record's `event_name` field (OTLP 1.5+); senders that predate it put
the name in the `event.name` attribute, which is used when the field is empty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from opentelemetry.proto.collector.logs.v1 import logs_service_pb2


@dataclass
class ReceivedLog:
    """One log record; ids are lowercase hex ("" when the record has no span context)."""

    event_name: str
    severity_number: int
    severity_text: str
    body: Any
    attributes: dict[str, Any]
    trace_id: str
    span_id: str
    time_ns: int
    observed_time_ns: int
    resource: dict[str, Any]
    scope: str
    transport: str


def flatten_logs(
    message: logs_service_pb2.ExportLogsServiceRequest,
    transport: str,
    attributes: Callable[[Any], dict[str, Any]],
    any_value: Callable[[Any], Any],
) -> Iterator[ReceivedLog]:
    for resource_logs in message.resource_logs:
        resource = attributes(resource_logs.resource.attributes)
        for scope_logs in resource_logs.scope_logs:
            for record in scope_logs.log_records:
                attrs = attributes(record.attributes)
                name = getattr(record, "event_name", "") or str(attrs.get("event.name", ""))
                yield ReceivedLog(
                    event_name=name,
                    severity_number=int(record.severity_number),
                    severity_text=record.severity_text,
                    body=any_value(record.body) if record.HasField("body") else None,
                    attributes=attrs,
                    trace_id=record.trace_id.hex(),
                    span_id=record.span_id.hex(),
                    time_ns=record.time_unix_nano,
                    observed_time_ns=record.observed_time_unix_nano,
                    resource=resource,
                    scope=scope_logs.scope.name,
                    transport=transport,
                )
