"""`python -m otel_agents`: the `otel-agents` command line (see `otel_agents.cli`)."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
