# The project's tasks. `.ci/run` (the README's test command) runs `make ci`.
#   make test        every test (the llm ones start the local llama.cpp server: scripts/llm-server install)
#   make test-fast   the tests without real subprocesses, terminals, signals or the model (~1 min)
#   make lint        ruff check and ruff format --check
#   make format      ruff format and the import order, in place
#   make typecheck   mypy over src/bulletsmith
#   make eval        the offline eval suite (replays evals/recordings)
#   make bench       the timing figures (benchmarks/run.py)
#   make docs        docs/cli.md from every command's --help (a test fails when it is out of date)
#   make ci          lint, typecheck, test: what CI runs
#   make mutation    mutation testing of the core modules (slow, CPU-heavy; before a release, not in CI):
#                    writes the scores to docs/mutation.md. MUTANTS="bulletsmith.guards*" runs one module.
#   make mutation-rerun MUTANTS="name ..."   re-run the named mutants after adding tests, keeping the other results

VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: install test test-fast lint format typecheck eval bench docs ci mutation mutation-rerun

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

docs:
	$(PY) scripts/cli_docs.py

ci: lint typecheck test

# mutmut (the `mutation` extra: pip install -e '.[test,mutation]'); what it mutates and which
# tests it runs are in pyproject.toml [tool.mutmut]. It keeps its results in mutants/ and, run
# with no names, runs only the mutants with no result yet (new or changed functions);
# `rm -rf mutants` starts over. MUTANTS="bulletsmith.guards*" re-runs that module's mutants,
# results or not.
MUTANTS ?=
MUTMUT_ARGS ?= --max-children 2
mutation:
	@# mutmut copies src/ into mutants/ once and never refreshes it: drop the copies (not the results,
	@# *.meta) so a changed data file or unmutated module is copied anew and mutated files regenerated.
	if [ -d mutants/src ]; then find mutants/src -type f ! -name '*.meta' -delete; fi
	BULLETSMITH_SHARED_DIR=$(abspath ..)/shared nice -n 10 $(VENV)/bin/mutmut run $(MUTMUT_ARGS) $(foreach m,$(MUTANTS),"$(m)")
	$(PY) scripts/mutation_report.py docs/mutation.md

# After a test was added for some survivors: re-run just those (MUTANTS="name ..."), keep the rest.
mutation-rerun:
	if [ -d mutants/src ]; then find mutants/src -type f ! -name '*.meta' -delete; fi
	nice -n 10 $(PY) scripts/mutation_rerun.py $(MUTANTS)
	$(PY) scripts/mutation_report.py docs/mutation.md
