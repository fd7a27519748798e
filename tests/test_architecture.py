"""The boundaries a newcomer relies on, checked on the source: who may import what."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import otel_agents

SRC = Path(otel_agents.__file__).parent


def imports_of(path: Path) -> set[str]:
    """Absolute module names a file imports (relative imports resolved against the package)."""
    package = ".".join(("otel_agents", *path.relative_to(SRC).parent.parts))
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def source_files() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def test_only_the_bridge_and_the_cli_import_opentelemetry() -> None:
    allowed = ("otel/", "cli.py", "demo/")
    offenders = [
        str(p.relative_to(SRC))
        for p in source_files()
        if not str(p.relative_to(SRC)).startswith(allowed)
        and any(name.startswith("opentelemetry") for name in imports_of(p))
    ]
    assert offenders == []


def test_models_know_nothing_of_tracing() -> None:
    offenders = [
        str(p.relative_to(SRC))
        for p in (SRC / "models").rglob("*.py")
        if any(
            name.startswith(("opentelemetry", "otel_agents.tracing", "otel_agents.otel"))
            for name in imports_of(p)
        )
    ]
    assert offenders == []


def test_the_runner_knows_tracing_only_through_the_tracing_package() -> None:
    runner_modules = ["runner.py", "_run_loop.py", "_turn.py", "_state.py", "result.py"]
    for name in runner_modules:
        imported = imports_of(SRC / name)
        assert not any(i.startswith("otel_agents.otel") for i in imported), name


@pytest.mark.parametrize("path", source_files(), ids=lambda p: str(p.relative_to(SRC)))
def test_every_module_says_what_it_owns(path: Path) -> None:
    tree = ast.parse(path.read_text())
    if path.name == "__main__.py" and len(tree.body) <= 3:
        return
    assert ast.get_docstring(tree), f"{path.relative_to(SRC)} has no module docstring"


def test_public_names_are_exported_explicitly() -> None:
    missing = [name for name in otel_agents.__all__ if not hasattr(otel_agents, name)]
    assert missing == []
    assert (SRC / "py.typed").exists()
