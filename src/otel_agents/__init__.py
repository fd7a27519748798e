"""otel-agents: an agent runner with OpenTelemetry-native tracing."""
