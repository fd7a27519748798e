"""The package's surface: an explicit `__all__`, no OpenTelemetry import, and a cheap hot path."""

from __future__ import annotations

import subprocess
import sys
import types

import otel_agents.tracing as tracing


def test_all_lists_exactly_the_public_names() -> None:
    public = {
        name
        for name, value in vars(tracing).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name != "annotations"  # from `from __future__ import annotations`
    }
    assert sorted(tracing.__all__) == sorted(public)
    assert len(set(tracing.__all__)) == len(tracing.__all__)


def test_importing_tracing_does_not_import_opentelemetry() -> None:
    code = (
        "import sys, otel_agents.tracing\n"
        "loaded = [m for m in sys.modules if m.startswith('opentelemetry')]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
