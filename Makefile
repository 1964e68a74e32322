# One command to run the bot, one to run the tests; each sets up what it needs first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run chat test lint bench clean

run: $(VENV)/.installed  ## set up, then run the bot (token from .env)
	$(BIN)/python -m bot

chat: $(VENV)/.installed  ## the console front end: chat with the bot here, no token, no network
	$(BIN)/python -m bot chat

test: $(VENV)/.installed-test  ## set up, then lint and run every test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

bench: $(VENV)/.installed-test  ## print speed and memory figures
	$(BIN)/python bench/bench_commands.py
	$(BIN)/python bench/bench_group_flood.py
	$(BIN)/python bench/bench_answers.py
	$(BIN)/python bench/bench_storage.py
	$(BIN)/python bench/bench_slot_scheduler.py
	$(BIN)/python bench/bench_reminders.py
	$(BIN)/python bench/bench_discord.py

$(VENV)/.python-ok:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	@touch $@

$(VENV)/.installed: pyproject.toml $(VENV)/.python-ok
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.python-ok
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	@touch $@ $(VENV)/.installed

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .mypy_cache
