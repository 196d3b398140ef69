# The project's tasks. `.ci/run` (the README's test command) runs `make ci`.
#   make test        every test (the llm ones start the local llama.cpp server: scripts/llm-server install)
#   make test-fast   the tests without real subprocesses, terminals, signals or the model (~1 min)
#   make lint        ruff check and ruff format --check
#   make format      ruff format and the import order, in place
#   make typecheck   mypy over src/bulletsmith
#   make eval        the offline eval suite (replays evals/recordings)
#   make bench       the timing figures (benchmarks/run.py)
#   make ci          lint, typecheck, test: what CI runs

VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: install test test-fast lint format typecheck eval bench ci

$(PY):
	python3 -m venv $(VENV)

install: $(PY)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test,notebook]'

test:
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast:
	$(PY) -m pytest -q -m "not slow and not llm" $(PYTEST_ARGS)

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff check --select I --fix -q .
	$(VENV)/bin/ruff format .

typecheck:
	$(VENV)/bin/mypy

eval:
	$(VENV)/bin/bulletsmith eval

bench:
	$(PY) benchmarks/run.py

ci: lint typecheck test
