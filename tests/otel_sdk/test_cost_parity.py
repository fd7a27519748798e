"""Cost on the upstream SDK's runner: the same priced model calls, agent sums and workflow total
as on ours (issue 16), with the scenario's models given declared prices."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from otel._trees import Pipeline
from otel_agents.otel import semconv as sc
from otel_agents.pricing import Price, add_price, clear_prices

from .conftest import Bridge
from .differences import expected_sdk_tree
from .scenarios import Options, run_ours, run_sdk


@pytest.fixture(autouse=True)
def priced_models() -> Iterator[None]:
    clear_prices()
    add_price("triage-model", Price(input_mtok=1, output_mtok=2, cache_read_mtok=0.5))
    add_price("support-model", Price(input_mtok=3, output_mtok=6, cache_write_mtok=4))
    yield
    clear_prices()


def _costs(pipeline: Pipeline) -> dict[str, float]:
    keys = (sc.GEN_AI_USAGE_COST_AMOUNT, sc.OA_COST_AMOUNT, sc.OA_COST_TOTAL)
    return {
        f"{n.name}/{key}": n.attributes[key]
        for n in pipeline.nodes()
        for key in keys
        if key in n.attributes
    }


@pytest.mark.parametrize("profile", ["default", "newest"])
async def test_the_sdk_runner_exports_the_same_costs(
    profile: str,
    sdk_bridge: Bridge,
    our_bridge: Bridge,
    pipeline: Pipeline,
    our_pipeline: Pipeline,
) -> None:
    sdk_bridge(semconv=profile)
    our_bridge(semconv=profile)
    await run_sdk(Options())
    await run_ours(Options())
    ours = _costs(our_pipeline)
    assert any(k.endswith(sc.OA_COST_TOTAL) for k in ours)
    assert sum(1 for k in ours if k.endswith(sc.GEN_AI_USAGE_COST_AMOUNT)) >= 2
    assert _costs(pipeline) == pytest.approx(ours)
    assert pipeline.tree() == expected_sdk_tree(our_pipeline.tree(), Options())
