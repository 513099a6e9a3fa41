# Reservoir CRM — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYBABEL := $(VENV)/bin/pybabel
FLASK := $(VENV)/bin/flask --app run
CRM_PORT ?= 5000

.PHONY: install install-dev translations extract-messages run test test-pg lint bench serve-prod clean

install: $(VENV)/.installed translations

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

install-dev: $(VENV)/.installed-dev

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Compiled catalogues are build output (not committed).
translations: $(VENV)/.installed
	$(PYBABEL) compile --use-fuzzy -q -d translations -D messages

# Refresh the catalogue after adding strings: extract, then update each language (in sequence).
extract-messages: $(VENV)/.installed
	$(PYBABEL) extract -q -F translations/babel.cfg -k lazy_gettext -k _l -o translations/messages.pot app
	$(PYBABEL) update -q -N -i translations/messages.pot -d translations -D messages

run: install
	$(FLASK) crm init
	$(FLASK) run --host 127.0.0.1 --port $(CRM_PORT)

test: install install-dev
	$(PY) -m pytest

test-pg: install install-dev
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test} $(PY) -m pytest

lint: install-dev
	$(VENV)/bin/ruff check app tests bench

serve-prod: install
	$(FLASK) crm init
	$(VENV)/bin/gunicorn --workers $${WORKERS:-4} --bind 127.0.0.1:$(CRM_PORT) run:app

clean:
	rm -rf $(VENV) instance
