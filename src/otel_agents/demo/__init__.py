"""What the `otel-agents` CLI runs and shows.

`scenarios.py`: the demo's agents, tools, guardrail and offline scripts. `display.py`: the streamed
conversation, trace trees and run summaries, on a `rich` console. `telemetry.py`: where spans and
metrics go (read from the OTEL_* variables), and the flush. `doctor.py`: `otel-agents doctor`.
Only the CLI imports this package; `telemetry.py` and `doctor.py` import OpenTelemetry.
"""
