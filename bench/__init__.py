"""The otel-agents benchmark: tracing overhead against the raw OTel floor and the upstream SDK.

Run `make bench` (or `python -m bench [--quick]`); it writes `bench/RESULTS.md`. Read in this
order: `workload.py` (the scripted 3-turn run, for both runners), `harness.py` (interleaved
paired blocks and their statistics), `otel_kit.py` (providers, exporters, the raw floor), then
one module per section: `overhead.py` (1-3), `streaming.py` (4), `memory.py` (5),
`throughput.py` (6), `checks.py` (export threads, slow and hung exporters), `scale.py` (8: N
concurrent runs over real HTTP, with `sse_server.py` and one `scale_worker.py` client process per
configuration), and `report.py`.
"""
