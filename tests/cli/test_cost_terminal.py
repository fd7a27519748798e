"""Cost in the terminal: the demo's tree and `--runs` summary (and `view`, which draws the same
tree: test_view.py) show what each model call and each trace cost at the scripted model's
declared price."""

from __future__ import annotations

import re

from otel_agents.cli import main
from otel_agents.pricing import SCRIPTED_PRICE

from .conftest import Captured

FAST = ["--chunk-delay", "0"]
_CALL = re.compile(r"generation scripted-model .*?(\d+)→(\d+) tokens  \$(\d+\.\d+)")


def test_the_tree_shows_each_calls_cost_and_the_traces_total(out: Captured) -> None:
    assert main(["demo", *FAST], console=out.console) == 0
    tree = out.text.split("\nTrace ", 1)[1]
    calls = [m.groups() for m in _CALL.finditer(tree)]
    assert len(calls) == 3
    rate_in, rate_out = float(SCRIPTED_PRICE.input_mtok), float(SCRIPTED_PRICE.output_mtok)
    for tokens_in, tokens_out, shown in calls:
        expected = (int(tokens_in) * rate_in + int(tokens_out) * rate_out) / 1e6
        assert float(shown) == round(expected, 6)
    title = tree.splitlines()[0]
    total = float(re.search(r"out\)  \$(\d+\.\d+)", title).group(1))  # type: ignore[union-attr]
    assert abs(total - sum(float(c[2]) for c in calls)) < 2e-6


def test_the_runs_summary_has_a_cost_column(out: Captured) -> None:
    assert main(["demo", "--runs", "3", *FAST], console=out.console) == 0
    header = next(line for line in out.text.splitlines() if line.split()[:1] == ["workflow"])
    assert header.split()[6] == "cost"
    rows = [line.split() for line in out.text.splitlines() if "$0." in line]
    assert len(rows) == 3
