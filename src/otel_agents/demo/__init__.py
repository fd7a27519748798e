"""What the `otel-agents` CLI runs and shows.

`scenarios.py`: the demo's agents, tools, guardrail and offline scripts (`catalog.py`: their names
and summaries). `display.py`: the streamed conversation and run summaries, on a `rich` console;
`trees.py`: trace trees, for the demo and `view`. `telemetry.py`: where spans and metrics go (read
from the OTEL_* variables), and the flush. `doctor.py`: `otel-agents doctor`. Only the CLI imports
this package; `telemetry.py` and `doctor.py` import OpenTelemetry. `--help`, `view` and `doctor`
import neither the runner nor the openai client (tests/cli/test_startup.py).
"""
