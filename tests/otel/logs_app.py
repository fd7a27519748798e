"""A user's script with no OpenTelemetry setup code: one agent run whose tool emits a log record
through the OpenTelemetry Logs API. tests/otel/test_logs_setup.py runs it with OTEL_* variables.

It prints the ids of the span the record was emitted in (as JSON) so the test can check the record
that arrives carries them. `--own-logger-provider`: the app installs its own LoggerProvider first.
"""

from __future__ import annotations

import json
import sys

from opentelemetry import _logs, trace
from opentelemetry._logs import SeverityNumber

from otel_agents import Agent, Runner, function_tool
from otel_agents.models import ScriptedModel
from otel_agents.models.scripted import call_tool, say


@function_tool
def lookup(city: str) -> str:
    """Looks up the weather."""
    context = trace.get_current_span().get_span_context()
    print(
        json.dumps({"trace_id": f"{context.trace_id:032x}", "span_id": f"{context.span_id:016x}"})
    )
    _logs.get_logger("logs-app").emit(
        event_name="app.lookup",
        severity_number=SeverityNumber.INFO,
        severity_text="INFO",
        body={"city": city, "hits": [1, 2]},
        attributes={"app.source": "tool"},
    )
    return "sunny"


def main(own_provider: bool) -> None:
    own = None
    if own_provider:
        from opentelemetry.sdk._logs import LoggerProvider
        from opentelemetry.sdk._logs.export import (
            InMemoryLogRecordExporter,
            SimpleLogRecordProcessor,
        )

        own_exporter = InMemoryLogRecordExporter()
        own = LoggerProvider()
        own.add_log_record_processor(SimpleLogRecordProcessor(own_exporter))
        _logs.set_logger_provider(own)
    agent = Agent(
        name="Weather",
        tools=[lookup],
        model=ScriptedModel([call_tool("lookup", {"city": "Paris"}), say("reply: sunny")]),
    )
    print(Runner.run_sync(agent, "Weather in Paris?").final_output)
    provider = _logs.get_logger_provider()
    if type(provider).__name__ in ("ProxyLoggerProvider", "NoOpLoggerProvider"):
        print("logger provider: none")
    if own is not None:
        print("own provider kept:", provider is own)
        names = [r.log_record.event_name for r in own_exporter.get_finished_logs()]
        print("own exporter got:", ", ".join(str(n) for n in names))


if __name__ == "__main__":
    main("--own-logger-provider" in sys.argv)
