# Reservoir CRM — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYBABEL := $(VENV)/bin/pybabel
FLASK := $(VENV)/bin/flask --app run
CRM_PORT ?= 5000

.PHONY: audit install install-dev translations translations-merge fill-translations extract-messages run test test-pg lint bench serve-prod clean

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

# Compiled catalogues are build output (git-ignored). Fuzzy entries are not compiled: a guessed
# translation is worse than the English source (tests/views/test_translations.py forbids them in zh).
translations: $(VENV)/.installed
	$(PYBABEL) -q compile -d translations -D messages

# Refresh the catalogue after adding strings: extract, then update each language, strictly in
# sequence (never `flask fab babel-extract`: it does not wait for pybabel and has emptied catalogues).
# Locations without line numbers and sorted output keep diffs small while others edit app/.
# Then translate the new entries in translations/zh/LC_MESSAGES/messages.po and run `make translations`.
LANGS := zh en
extract-messages: $(VENV)/.installed
	$(PYBABEL) -q extract -F translations/babel.cfg -k lazy_gettext -k _l --add-location=file \
		--sort-output --project "Reservoir CRM" --copyright-holder "Reservoir CRM" \
		-o translations/messages.pot app
	@test "$$(grep -c '^msgid ' translations/messages.pot)" -gt 1 || \
		{ echo "translations/messages.pot is empty: not updating the catalogues" >&2; exit 1; }
	set -e; for lang in $(LANGS); do \
		$(PYBABEL) -q update --init-missing -N --ignore-obsolete -l $$lang \
			-i translations/messages.pot -d translations -D messages; \
	done

# Extract, fill new Chinese entries from translations/pending/*.json, compile; serialised with
# flock because several people (or helpers) may run it in one checkout at once.
translations-merge: $(VENV)/.installed
	flock translations/.merge.lock $(MAKE) --no-print-directory extract-messages fill-translations translations

fill-translations:
	$(PY) tools/fill_translations.py

run: install
	$(FLASK) crm init
	$(FLASK) run --host 127.0.0.1 --port $(CRM_PORT)

test: install install-dev
	$(PY) -m pytest

test-pg: install install-dev
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test} $(PY) -m pytest

# known vulnerabilities of the pinned and installed packages (exit 1), PyPI unreachable (exit 2)
audit: install-dev
	$(PY) tools/audit_deps.py

lint: install-dev
	$(VENV)/bin/ruff check app tests bench

# the benchmark suite at a million leads (bench/data/, built once); each script writes bench/out/*.md,
# collect.py gathers them into BENCHMARKS.md. Long: run it on a quiet machine.
bench: install
	$(PY) bench/bench_pages.py
	$(PY) bench/bench_home.py
	$(PY) bench/bench_analytics.py
	$(PY) bench/bench_import_export.py --export
	$(PY) bench/bench_bulk.py
	$(PY) bench/bench_scope.py
	$(PY) bench/collect.py

# Several workers share everything through the database (PostgreSQL with DATABASE_URL=postgresql://…,
# or SQLite) and instance/ (secret key, rate-limit counters). gthread: long exports are not cut off.
serve-prod: install
	$(FLASK) crm init
	$(VENV)/bin/gunicorn --workers $${WORKERS:-4} --worker-class gthread --threads $${THREADS:-2} \
		--timeout $${GUNICORN_TIMEOUT:-300} --bind 127.0.0.1:$(CRM_PORT) --access-logfile - run:app

clean:
	rm -rf $(VENV) instance
