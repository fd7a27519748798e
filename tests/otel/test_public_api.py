"""The public surface of `otel_agents.otel`; only it and the CLI import OpenTelemetry."""

from __future__ import annotations

import ast
from pathlib import Path

import otel_agents
import otel_agents.otel as bridge

SRC = Path(otel_agents.__file__).parent


def test_all_is_explicit_and_importable() -> None:
    assert sorted(bridge.__all__) == [
        "CaptureMode",
        "OTelTracingProcessor",
        "OtelAgentsInstrumentor",
        "Redactor",
        "configure",
        "default_processor",
        "instrument_openai_agents",
        "semconv",
    ]
    for name in bridge.__all__:
        assert getattr(bridge, name) is not None


def test_only_the_bridge_and_the_cli_import_opentelemetry() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        relative = path.relative_to(SRC).as_posix()
        if relative.startswith(("otel/", "demo/")) or relative in ("cli.py", "__main__.py"):
            continue  # the bridge, and the CLI (cli.py, __main__.py and its demo/ package)
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [f"{relative}: {n}" for n in names if n.split(".")[0] == "opentelemetry"]
    assert offenders == []


def test_every_bridge_module_says_what_it_owns_and_stays_small() -> None:
    for path in (SRC / "otel").glob("*.py"):
        text = path.read_text()
        assert ast.get_docstring(ast.parse(text)), path.name
        assert text.count("\n") < 420, f"{path.name} has {text.count(chr(10))} lines"
