"""Models: the interface the runner calls, the OpenAI models, and the offline `ScriptedModel`.

```python
from otel_agents.models import OpenAIChatCompletionsModel, ScriptedModel, say, call_tool
```

Each submodule is imported on first use of one of its names (see `otel_agents/__init__.py`): the
scripted model and the interface do not load the OpenAI models and their client.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .interface import (
        InputItem,
        Model,
        ModelProvider,
        ModelRequest,
        ModelResponse,
        ModelTracing,
        OutputSpec,
        ToolSpec,
    )
    from .openai_chat import OpenAIChatCompletionsModel
    from .openai_responses import OpenAIResponsesModel
    from .provider import (
        OpenAIProvider,
        get_default_model_provider,
        set_default_openai_api,
        set_default_openai_client,
    )
    from .scripted import (
        ScriptedModel,
        Step,
        call_tool,
        fail,
        say,
        say_json,
        transfer_to,
        turn,
    )

# Public name -> the module that defines it.
_LAZY: dict[str, str] = {
    "InputItem": ".interface",
    "Model": ".interface",
    "ModelProvider": ".interface",
    "ModelRequest": ".interface",
    "ModelResponse": ".interface",
    "ModelTracing": ".interface",
    "OutputSpec": ".interface",
    "ToolSpec": ".interface",
    "OpenAIChatCompletionsModel": ".openai_chat",
    "OpenAIResponsesModel": ".openai_responses",
    "OpenAIProvider": ".provider",
    "get_default_model_provider": ".provider",
    "set_default_openai_api": ".provider",
    "set_default_openai_client": ".provider",
    "ScriptedModel": ".scripted",
    "Step": ".scripted",
    "call_tool": ".scripted",
    "fail": ".scripted",
    "say": ".scripted",
    "say_json": ".scripted",
    "transfer_to": ".scripted",
    "turn": ".scripted",
}

__all__ = [
    "InputItem",
    "Model",
    "ModelProvider",
    "ModelRequest",
    "ModelResponse",
    "ModelTracing",
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

# Hidden from type checkers, which would otherwise accept any attribute of the package.
if not TYPE_CHECKING:

    def __getattr__(name: str) -> object:
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(import_module(module, __name__), name)
        globals()[name] = value  # later lookups do not come here
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *_LAZY})
