"""The lazy public API: every name the packages promise resolves to the object its module defines.

`otel_agents` and `otel_agents.models` import their submodules on first use of a name (PEP 562);
type checkers read the `if TYPE_CHECKING:` imports instead. These tests keep the two in step, and
check that a bare `import otel_agents` loads none of the submodules (in a fresh interpreter).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
from types import ModuleType

import pytest

import otel_agents
import otel_agents.models

PACKAGES = [otel_agents, otel_agents.models]


def _type_checking_imports(package: ModuleType) -> dict[str, str]:
    """Public name -> ".module" from the package's `if TYPE_CHECKING:` block."""
    tree = ast.parse(inspect.getsource(package))
    (block,) = [
        node
        for node in tree.body
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
    ]
    found = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom) and node.level == 1
        for alias in node.names:
            found[alias.asname or alias.name] = f".{node.module}"
    return found


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.__name__)
def test_the_lazy_table_names_what_type_checkers_see(package: ModuleType) -> None:
    assert _type_checking_imports(package) == package._LAZY
    assert set(package.__all__) - {"__version__"} == set(package._LAZY)


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.__name__)
def test_every_public_name_is_the_defining_modules_object(package: ModuleType) -> None:
    aliases = getattr(package, "_ALIASES", {})
    for name, module in package._LAZY.items():
        defining = importlib.import_module(module, package.__name__)
        assert getattr(package, name) is getattr(defining, aliases.get(name, name)), name
    assert set(package.__all__) <= set(dir(package))


def test_star_import_and_unknown_names() -> None:
    namespace: dict[str, object] = {}
    exec("from otel_agents import *", namespace)
    assert namespace["Runner"] is otel_agents.Runner
    assert namespace["TResponseInputItem"] is otel_agents.models.InputItem
    with pytest.raises(AttributeError, match="no attribute 'Agnet'"):
        _ = otel_agents.Agnet  # type: ignore[attr-defined]
    with pytest.raises(ImportError, match="Agnet"):
        exec("from otel_agents import Agnet", {})


def test_import_alone_loads_no_submodule_and_tracing_loads_no_runner() -> None:
    probe = (
        "import sys, otel_agents\n"
        "print(sorted(m for m in sys.modules if m.startswith('otel_agents.')))\n"
        "from otel_agents import function_span, trace\n"
        "heavy = ('openai', 'pydantic', 'otel_agents.runner')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "print(trace.__module__)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split("\n")[:3] == ["[]", "[]", "otel_agents.tracing.create"]
