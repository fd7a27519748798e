"""The demo's scenario names and one-line summaries, in the order `--runs` cycles through them.

Apart from `scenarios.py`, which builds the agents (and so loads the runner and the openai types):
`otel-agents --help` lists the scenarios without importing either. `scenarios.py` takes its
summaries from here; a test checks that both name the same scenarios in the same order.
"""

from __future__ import annotations

__all__ = ["SUMMARIES"]

SUMMARIES: dict[str, str] = {
    "support": "triage hands off to a specialist, who looks the order up",
    "research": "a researcher searches in parallel, then hands off to a writer",
    "flaky": "a tool fails once; the model sees the error and retries",
}
"""Scenario name -> what it shows, for `--help` and the screen."""
