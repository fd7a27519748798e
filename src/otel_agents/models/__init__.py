"""Models: the interface the runner calls, the OpenAI models, and the offline `ScriptedModel`.

```python
from otel_agents.models import OpenAIChatCompletionsModel, ScriptedModel, say, call_tool
```
"""

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
