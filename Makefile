# make run: set up .venv if needed, create the demo database on first run, open the window.
# make test: set up or refresh .venv, then ruff, mypy --strict and the whole suite offscreen.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/exodesk demo --if-empty
	$(BIN)/exodesk

lint: $(STAMP)
	$(BIN)/ruff check exodesk tests benchmarks migrations
	$(BIN)/mypy exodesk

test: $(STAMP) lint
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_cli.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
