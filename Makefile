# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
# Where `make run` serves: `make run PORT=8080`, or `make run HOST=0.0.0.0` to reach it from other machines.
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint check translations clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(FLASK) setup
	$(FLASK) run --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-browser: $(VENV)/.installed-test
	$(BIN)/python -m pytest -m browser $(PYTEST_ARGS)

# Style (ruff) and the architecture's import contracts (pyproject.toml, docs/architecture.md).
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports

check: $(VENV)/.installed
	$(FLASK) content check

# Interface strings: extract from course/ and templates/, merge into each language, compile (docs/translating.md).
translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs '.*' --project Dignity --no-wrap -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --no-wrap
	$(BIN)/pybabel compile --statistics -d translations

clean:
	rm -rf $(VENV) .pytest_cache
