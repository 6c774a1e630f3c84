# The two commands of the README. Each sets up .venv on its own, so a fresh machine
# needs nothing but python3.
VENV ?= .venv
BIN := $(VENV)/bin
SAMPLE ?= seeds/004_8aea4feb83059470.txt

.PHONY: demo test lint bench bench-panel

$(BIN)/python:
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Set up and summarize a sample report with the offline backend: no network, no cost, even
# with an API key exported. `make demo BACKEND=openai` (or auto) asks for the model.
BACKEND ?= offline
demo: $(BIN)/python
	$(BIN)/pip install -q .
	$(BIN)/summarizer summarize $(SAMPLE) --backend $(BACKEND)

# Set up and run every check: lint, types, layer contracts, then the tests in two tiers (no
# network needed): the fast one (unit and in-process), then the `slow` one (subprocesses,
# servers, the browser, the CLI end to end).
test: $(BIN)/python
	$(BIN)/pip install -q '.[test,ocr]'
	$(BIN)/ruff check summarizer tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest -m "not slow and not integration"
	$(BIN)/pytest -m "slow and not integration"

bench: $(BIN)/python
	$(BIN)/pip install -q '.[test]'
	$(BIN)/python bench/run.py

# `summarizer export` of 1,000 outputs in every format (bench/panel.py, docs/BENCHMARKS.md).
bench-panel: $(BIN)/python
	$(BIN)/pip install -q '.[test]'
	$(BIN)/python bench/panel.py
