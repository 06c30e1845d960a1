# jubao: `make run` and `make test` do everything on a fresh machine.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
PYTHON := $(shell scripts/find-python)
VENV := .venv
BIN := $(VENV)/bin
JUBAO := $(BIN)/jubao
VENDOR := src/jubao/web/static/vendor

.PHONY: install install-bench lock assets compilemessages migrate demo run serve test test-sqlite test-postgres \
        lint fmt typecheck messages openapi bench fuzz test-faults clean

install: $(VENV)/.installed assets compilemessages

# Dependencies are locked by uv into hash-checked requirement files (requirements/*.txt, made by
# `make lock` from pyproject.toml); the project itself is installed editable on top.
$(VENV)/.installed: pyproject.toml requirements/dev.txt
	uv venv --allow-existing --python "$(PYTHON)" $(VENV)
	VIRTUAL_ENV=$(VENV) uv pip sync requirements/dev.txt
	VIRTUAL_ENV=$(VENV) uv pip install --no-deps -e .
	touch $@

install-bench: install
	VIRTUAL_ENV=$(VENV) uv pip sync requirements/bench.txt
	VIRTUAL_ENV=$(VENV) uv pip install --no-deps -e .

LOCK = uv pip compile pyproject.toml --generate-hashes --universal --python-version 3.12 -q
lock:
	$(LOCK) --group dev -o requirements/dev.txt
	$(LOCK) --group dev --group bench -o requirements/bench.txt

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

assets: node_modules/.installed
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx.min.js
	cp node_modules/axe-core/axe.min.js $(VENDOR)/axe.min.js
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/echarts.min.js

compilemessages: $(VENV)/.installed
	cd src/jubao && JUBAO_DATA_DIR=$$(mktemp -d) ../../$(JUBAO) compilemessages -v 0

migrate: install
	$(JUBAO) migrate --no-input -v 1

demo: migrate
	$(JUBAO) demo

# The server, the background jobs and a simulated platform, stopped together with Ctrl-C.
run: demo
	$(JUBAO) collectstatic --no-input -v 0
	@trap 'kill 0' INT TERM EXIT; \
	$(JUBAO) workers --loop & \
	(sleep 5; $(JUBAO) simulate-platform --platform 星河社区 --loop \
	  --base-url http://$${JUBAO_BIND:-127.0.0.1:8000}) & \
	$(JUBAO) serve

serve:
	$(JUBAO) serve

lint: $(VENV)/.installed
	$(BIN)/ruff check src tests bench scripts scripts/fuzz
	$(BIN)/ruff format --check src tests bench scripts scripts/fuzz
	$(BIN)/bandit -q -c pyproject.toml -r src

fmt: $(VENV)/.installed
	$(BIN)/ruff check --fix src tests bench scripts scripts/fuzz
	$(BIN)/ruff format src tests bench scripts scripts/fuzz

typecheck: $(VENV)/.installed
	$(BIN)/mypy

# pytest exits 5 when it collects nothing; that must fail too, so it is not special-cased.
test-sqlite: install
	env -u DATABASE_URL $(BIN)/pytest -n 2 --dist loadfile -q

test-postgres: install
	@if [ -n "$$JUBAO_TEST_DATABASE_URL" ]; then \
	  DATABASE_URL="$$JUBAO_TEST_DATABASE_URL" $(BIN)/pytest -n 2 --dist loadfile -q; \
	else echo "JUBAO_TEST_DATABASE_URL is not set: PostgreSQL run skipped"; fi

test: install lint typecheck test-sqlite test-postgres

# The fault suite (docs/faults.md): the server SIGKILLed under load, PostgreSQL restarted, the disk
# full, a platform down. Never with -n: the PostgreSQL restart breaks every connection to it.
test-faults: install
	env -u DATABASE_URL $(BIN)/pytest -m faults -q tests/faults
	@if [ -n "$$JUBAO_TEST_DATABASE_URL" ]; then \
	  DATABASE_URL="$$JUBAO_TEST_DATABASE_URL" $(BIN)/pytest -m faults -q tests/faults; \
	else echo "JUBAO_TEST_DATABASE_URL is not set: PostgreSQL fault run skipped"; fi

# Each app keeps its own catalogue; strings of the top-level modules go to src/jubao/locale.
APPS_WITH_LOCALE = $(patsubst src/jubao/%/locale,%,$(wildcard src/jubao/*/locale))
messages: $(VENV)/.installed
	export JUBAO_DATA_DIR=$$(mktemp -d); \
	for app in $(APPS_WITH_LOCALE); do \
	  (cd src/jubao/$$app && ../../../$(JUBAO) makemessages -l zh_Hans --no-obsolete -v 0) || exit 1; \
	done; \
	cd src/jubao && ../../$(JUBAO) makemessages -l zh_Hans --no-obsolete -v 0 \
	  $(foreach app,$(APPS_WITH_LOCALE) analysis,-i '$(app)/*')

# Coverage-guided fuzzing (tests/fuzz/, atheris): each target for FUZZ_SECONDS; fails on a crash,
# a hang or running out of memory. The test suite runs every seed of the corpus instead.
FUZZ_SECONDS ?= 60
fuzz: install
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz

openapi: install
	$(JUBAO) openapi --output docs/openapi.json

bench: install-bench
	for script in bench/*.py; do echo "== $$script"; $(BIN)/python "$$script" || exit 1; done

clean:
	rm -rf $(VENV) node_modules $(VENDOR) .pytest_cache .mypy_cache .ruff_cache
