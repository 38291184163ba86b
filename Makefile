# peerarmy: `make demo` runs the demo on SQLite, `make test` runs every check and test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1:8000

.PHONY: demo test setup setup-dev messages lint format serve worker clean

$(BIN)/python:
	@bash scripts/make_venv.sh "$(PYTHON)" "$(VENV)"

$(VENV)/.runtime: $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.lock
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	@touch $@

setup: $(VENV)/.runtime messages

setup-dev: $(VENV)/.dev messages

# Compile the gettext catalogues with polib, so no system gettext is needed to run.
messages: $(VENV)/.runtime
	@$(BIN)/python scripts/i18n.py compile

# HOST=0.0.0.0:8000 serves the demo to phones on the same network: the pages listed and the
# e-mails' links then use this machine's network address.
demo: setup
	DEBUG=1 BIND=$(HOST) $(BIN)/peerarmy migrate
	DEBUG=1 BIND=$(HOST) $(BIN)/peerarmy demo
	DEBUG=1 BIND=$(HOST) $(BIN)/peerarmy serve --bind $(HOST) --with-worker

test: setup-dev
	bash scripts/test.sh

lint: setup-dev
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: setup-dev
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

clean:
	rm -rf $(VENV) var build *.egg-info
