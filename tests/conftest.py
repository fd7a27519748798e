"""Fixtures shared by every test package."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.fake_openai import FakeOpenAI
from support.tracing_recorder import RecordingProcessor, install_recorder


@pytest.fixture
def recorder() -> Iterator[RecordingProcessor]:
    """A `RecordingProcessor` as the only trace processor, tracing on; restored afterwards."""
    yield from install_recorder()


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A local OpenAI-compatible HTTP server (Responses and Chat Completions, JSON and SSE)."""
    with FakeOpenAI() as server:
        yield server


# --- OTLP receiver (tests/otel, tests/reliability) ------------------------------------------------
from support.otlp_receiver import OTLPReceiver  # noqa: E402


@pytest.fixture
def otlp_receiver() -> Iterator[OTLPReceiver]:
    """A local OTLP receiver: OTLP/HTTP (protobuf, JSON, gzip) and OTLP/gRPC, decoded spans and
    metric points, raw requests, and faults on demand (see tests/support/otlp_receiver.py)."""
    with OTLPReceiver() as receiver:
        yield receiver


# --- Docker engine check (tests marked `docker`: tests/deploy/test_docker_stack.py) -------------
def _docker_unavailable() -> str | None:
    """Why no Docker engine can be used here, or None when one answers a ping."""
    try:
        import docker

        client = docker.from_env(timeout=5)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as error:  # DockerException without an engine (~0.1 s); anything else too
        return f"no Docker engine answers ({type(error).__name__}: {error})"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skips the `docker` tests, once, with the reason, when no Docker engine answers.

    `@pytest.mark.docker(offline="...")` adds why the service has no other way to run here
    (e.g. no package), so the skip says it cannot be checked on this machine at all.
    """
    marked = [item for item in items if item.get_closest_marker("docker")]
    if not marked:
        return
    reason = _docker_unavailable()
    if reason is not None:
        for item in marked:
            marker = item.get_closest_marker("docker")
            offline = marker.kwargs.get("offline") if marker is not None else None
            why = f"{reason}; {offline}" if offline else reason
            item.add_marker(pytest.mark.skip(reason=why))
