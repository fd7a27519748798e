#!/usr/bin/env bash
# Installs Arize Phoenix (a real OTLP trace backend) for tests/integration/test_phoenix.py.
#
# Phoenix gets its OWN virtualenv at .cache/phoenix-venv (gitignored), never the project's .venv:
# its client package registers a pytest plugin that slows every pytest start by ~10 s, and its
# ~850 MB of dependencies would pin ours. The test starts the server from this venv's python.
#
# Idempotent: the first run takes about a minute; later runs see the stamp and return at once.
# Usage: bash tests/integration/phoenix_setup.sh      (PYTHON=python3.12 to pick the interpreter)
set -euo pipefail

# The major version the test was written against (its REST API and span-kind mapping); bump the
# pin and re-run the test together.
PHOENIX_SPEC="arize-phoenix>=20,<21"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="$ROOT/.cache"
VENV="$CACHE/phoenix-venv"
STAMP="$VENV/.installed"
PYTHON="${PYTHON:-python3}"

mkdir -p "$CACHE"

# Two runs at once (make in two terminals) must not install into the same venv together.
if command -v flock >/dev/null 2>&1; then
    exec 9>"$CACHE/phoenix-venv.lock"
    flock 9
fi

installed() {
    # The stamp says a whole install finished; the metadata check (no `import phoenix`: ~8 s)
    # catches a venv whose packages were removed or replaced since.
    [[ -x "$VENV/bin/python" && -f "$STAMP" && "$(cat "$STAMP")" == "$PHOENIX_SPEC" ]] &&
        "$VENV/bin/python" - "$PHOENIX_SPEC" <<'EOF' 2>/dev/null
import sys
from importlib.metadata import version

major = sys.argv[1].split(">=")[1].split(",")[0]
sys.exit(0 if version("arize-phoenix").split(".")[0] == major else 1)
EOF
}

if installed; then
    echo "phoenix_setup: $("$VENV/bin/python" -c 'from importlib.metadata import version; print("arize-phoenix", version("arize-phoenix"))') already in $VENV"
    exit 0
fi

# A venv whose interpreter is gone (python upgraded, half-deleted) cannot be repaired: start over.
if [[ -d "$VENV" && ! -x "$VENV/bin/python" ]]; then
    rm -rf "$VENV"
fi
if [[ ! -d "$VENV" ]]; then
    echo "phoenix_setup: creating $VENV with $("$PYTHON" --version 2>&1)"
    "$PYTHON" -m venv "$VENV"
fi

rm -f "$STAMP"
echo "phoenix_setup: installing '$PHOENIX_SPEC' (first time: ~1 min, ~850 MB)"
start=$SECONDS
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$PHOENIX_SPEC"
printf '%s' "$PHOENIX_SPEC" >"$STAMP"

if ! installed; then
    echo "phoenix_setup: install finished but arize-phoenix is not importable from $VENV" >&2
    exit 1
fi
echo "phoenix_setup: $("$VENV/bin/python" -c 'from importlib.metadata import version; print("arize-phoenix", version("arize-phoenix"))') installed in $((SECONDS - start)) s ($(du -sh "$VENV" | cut -f1))"
