"""Every Python example in the README runs, as a user would run it: a fresh interpreter each.

Examples run offline on the scripted model the package ships, with no OTEL_* or OPENAI_*
variable set, so what they print is what a new user sees.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

README = Path(__file__).parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def clean_env() -> dict[str, str]:
    # As on a fresh machine: no exporter configured, no model server.
    return {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "OPENAI_"))}


def test_readme_has_examples() -> None:
    assert len(BLOCKS) >= 4


# The servers' examples need the `servers` extra (`make test-integration` installs it, and its
# tests run those examples in real servers); without it they are skipped here, saying so.
SERVER_MODULES = ("celery", "gunicorn", "uvicorn_worker", "redis")


@pytest.mark.parametrize("code", BLOCKS, ids=[f"example-{i}" for i in range(len(BLOCKS))])
def test_readme_example_runs(code: str, tmp_path: Path) -> None:
    for module in SERVER_MODULES:
        if re.search(rf"^(from|import) {module}\b", code, re.M) and not find_spec(module):
            pytest.skip(f"needs {module}: pip install -e '.[servers]'")
    script = tmp_path / "example.py"
    script.write_text(code)
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    # Comments like `# Orders` after a print() state what it prints: hold the README to them.
    expected = [m.group(1).strip() for m in re.finditer(r"^print\(.*\)\s+# (.*)$", code, re.M)]
    for line in expected:
        assert line in done.stdout, f"README says {line!r}; the example printed {done.stdout!r}"


def test_every_test_the_readme_names_exists() -> None:
    text = README.read_text()
    # `test_x.py::test_y` (found anywhere under tests/) or `tests/a/test_x.py::test_y` (that file)
    named = re.findall(r"`((?:tests/[\w/]+/)?test_\w+\.py)(?:::(\w+))?`", text)
    assert len(named) > 10
    missing = []
    for file, name in named:
        if file.startswith("tests/"):
            found = [README.parent / file] if (README.parent / file).is_file() else []
        else:
            found = list((README.parent / "tests").rglob(file))
        if not found or (name and not any(f"def {name}(" in p.read_text() for p in found)):
            missing.append(f"{file}::{name}")
    assert missing == []
