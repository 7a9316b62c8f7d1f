# Nextstep: `make demo` shows the product working, `make test` checks everything.
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev

.PHONY: help install install-dev demo test lint typecheck imports pytest i18n-extract i18n-update i18n-compile bench format clean

help: ## show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed i18n-compile ## create .venv and install the package

install-dev: $(STAMP) i18n-compile ## install with the dev tools

demo: install ## sandbox CRM + Telegram emulator + bot: a scripted working day
	$(VENV)/bin/nextstep demo

test: install-dev lint typecheck imports pytest ## lint, types, layering, tests

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy nextstep tests benchmarks

imports: $(STAMP)
	$(VENV)/bin/lint-imports

pytest: $(STAMP) i18n-compile
	$(PY) -m pytest

bench: install ## run the benchmarks and print their figures
	for b in benchmarks/*.py; do $(PY) $$b || exit 1; done

format: $(STAMP) ## apply ruff fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

i18n-extract: $(STAMP) ## collect msgids into locales/messages.pot
	$(VENV)/bin/pybabel extract -k _:1,1t -k _:1,2 -k __ -k N_ --no-location --sort-output \
		--input-dirs=nextstep -o locales/messages.pot

i18n-update: i18n-extract ## merge new msgids into ru and en catalogs
	$(VENV)/bin/pybabel update -d locales -D messages -i locales/messages.pot --no-fuzzy-matching

i18n-compile: | $(PY) ## compile .po → .mo (build artefacts, not committed)
	$(PY) -m nextstep.bot.i18n_compile

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
