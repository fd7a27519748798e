"""OpenAIProvider and the process-wide defaults: which API, which client, which model name."""

from __future__ import annotations

import ast
import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

import otel_agents.models as models
from otel_agents.exceptions import UserError
from otel_agents.models import (
    ModelRequest,
    OpenAIChatCompletionsModel,
    OpenAIProvider,
    OpenAIResponsesModel,
    get_default_model_provider,
    set_default_openai_api,
    set_default_openai_client,
)
from otel_agents.models.provider import PLACEHOLDER_API_KEY, openai_configured

REQUEST = ModelRequest(None, [{"role": "user", "content": "Hi"}])
ENV = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OTEL_AGENTS_OPENAI_API", "OTEL_AGENTS_DEFAULT_MODEL")


@pytest.fixture(autouse=True)
def clean_defaults(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    yield
    set_default_openai_api(None)
    set_default_openai_client(None)


def test_responses_api_and_default_model_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-x")
    model = OpenAIProvider().get_model(None)
    assert isinstance(model, OpenAIResponsesModel)
    assert model.model_name == "gpt-4.1-mini"
    assert (model.server_address, model.server_port) == ("api.openai.com", 443)
    monkeypatch.setenv("OTEL_AGENTS_DEFAULT_MODEL", "llama3.2")
    assert OpenAIProvider().get_model(None).model_name == "llama3.2"
    assert OpenAIProvider().get_model("gpt-4o").model_name == "gpt-4o"


@pytest.mark.parametrize(
    ("env", "call", "expected"),
    [
        ("chat_completions", None, OpenAIChatCompletionsModel),
        (" Chat_Completions ", None, OpenAIChatCompletionsModel),
        ("responses", None, OpenAIResponsesModel),
        ("responses", "chat_completions", OpenAIChatCompletionsModel),
        ("chat_completions", "responses", OpenAIResponsesModel),
    ],
    ids=["env-chat", "env-spacing-case", "env-responses", "call-wins-chat", "call-wins-responses"],
)
def test_api_choice(
    monkeypatch: pytest.MonkeyPatch, env: str, call: Any, expected: type[Any]
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-x")
    monkeypatch.setenv("OTEL_AGENTS_OPENAI_API", env)
    set_default_openai_api(call)
    assert type(OpenAIProvider().get_model("m")) is expected
    # An explicit provider setting beats both.
    assert type(OpenAIProvider(api="responses").get_model("m")) is OpenAIResponsesModel


def test_bad_api_values_are_user_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-x")
    monkeypatch.setenv("OTEL_AGENTS_OPENAI_API", "completions")
    with pytest.raises(UserError, match=r"OTEL_AGENTS_OPENAI_API.*'responses'.*'chat_completions'"):
        OpenAIProvider().get_model("m")
    with pytest.raises(UserError, match="set_default_openai_api"):
        set_default_openai_api("chat")  # type: ignore[arg-type]
    with pytest.raises(UserError, match="OpenAIProvider"):
        OpenAIProvider(api="chat")  # type: ignore[arg-type]


def test_missing_key_says_what_to_do() -> None:
    assert not openai_configured()
    with pytest.raises(UserError) as info:
        OpenAIProvider().get_model("m")
    for hint in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ScriptedModel", "Ollama"):
        assert hint in str(info.value)


async def test_a_base_url_alone_configures_a_model_with_a_placeholder_key(
    monkeypatch: pytest.MonkeyPatch, fake_openai: Any
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    assert openai_configured()
    fake_openai.script(["from a server that needs no key"])
    model = OpenAIProvider().get_model("gpt-test")
    response = await asyncio.wait_for(model.get_response(REQUEST), 10)
    assert response.output[0].content[0].text == "from a server that needs no key"
    assert fake_openai.requests[0].headers["authorization"] == f"Bearer {PLACEHOLDER_API_KEY}"


async def test_env_points_the_default_provider_at_a_server(
    monkeypatch: pytest.MonkeyPatch, fake_openai: Any
) -> None:
    for name, value in fake_openai.env().items():
        monkeypatch.setenv(name, value)
    fake_openai.script(["from the env server"] * 2)
    for api in ("responses", "chat_completions"):
        set_default_openai_api(api)  # type: ignore[arg-type]
        model = get_default_model_provider().get_model("gpt-test")
        response = await asyncio.wait_for(model.get_response(REQUEST), 10)
        assert response.output[0].content[0].text == "from the env server"
    assert [r.path for r in fake_openai.requests] == ["/v1/responses", "/v1/chat/completions"]


async def test_built_client_is_reused_until_the_environment_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-a")
    provider = OpenAIProvider()
    client = provider._get_client()
    assert provider._get_client() is client
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    moved = provider._get_client()
    assert moved is not client and str(moved.base_url) == "http://127.0.0.1:9/v1/"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-b")
    assert provider._get_client() is not moved


def test_a_new_event_loop_gets_a_new_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-a")
    provider = OpenAIProvider()

    async def client() -> openai.AsyncOpenAI:
        return provider._get_client()

    first = asyncio.run(client())
    assert asyncio.run(client()) is not first  # a pool must not outlive its loop


def test_given_clients_are_used_as_they_are(monkeypatch: pytest.MonkeyPatch) -> None:
    mine = openai.AsyncOpenAI(api_key="sk-mine", base_url="http://127.0.0.1:1/v1")
    default = openai.AsyncOpenAI(api_key="sk-default", base_url="http://127.0.0.1:2/v1")
    set_default_openai_client(default)
    assert OpenAIProvider(openai_client=mine).get_model("m").server_port == 1
    assert OpenAIProvider().get_model("m").server_port == 2  # no key in the env needed
    assert get_default_model_provider() is get_default_model_provider()


def test_public_names() -> None:
    assert sorted(models.__all__) == sorted(
        [
            "InputItem",
            "Model",
            "ModelProvider",
            "ModelTracing",
            "ModelRequest",
            "ModelResponse",
            "OpenAIChatCompletionsModel",
            "OpenAIProvider",
            "OpenAIResponsesModel",
            "OutputSpec",
            "ScriptedModel",
            "Step",
            "ToolSpec",
            "call_tool",
            "fail",
            "get_default_model_provider",
            "say",
            "say_json",
            "set_default_openai_api",
            "set_default_openai_client",
            "transfer_to",
            "turn",
        ]
    )
    for name in models.__all__:
        assert getattr(models, name) is not None


def test_models_know_nothing_of_tracing() -> None:
    """Models are timed and recorded by the runner; they import neither OTel nor our tracing."""
    for path in Path(models.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                names = [("." * node.level) + (node.module or "")]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                parts = name.split(".")
                assert not name.startswith("opentelemetry"), (path.name, name)
                assert "otel" not in parts and "tracing" not in parts, (path.name, name)
