# Every target works on a fresh machine with Python 3.11+: it creates .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app tracker
STAMP := $(VENV)/.installed

.PHONY: run test lint translations messages clean bench soak

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Catalogues are compiled at install time; the .mo files are build output, not source.
translations: $(STAMP)
	$(BIN)/pybabel compile -d tracker/translations --statistics

# After changing user-facing strings: extract them and merge into every catalogue. A page
# language of tracker/ui_languages.py without a catalogue (but English, the source) gets one.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --sort-by-file \
		--omit-header -o tracker/translations/messages.pot .
	for code in $$($(BIN)/python -c "from tracker.ui_languages import UI_LANGUAGES; print(*UI_LANGUAGES)"); do \
		[ "$$code" = en ] || [ -d tracker/translations/$$code ] || \
		$(BIN)/pybabel init -i tracker/translations/messages.pot -d tracker/translations -l $$code -w 100; \
	done
	$(BIN)/pybabel update -i tracker/translations/messages.pot -d tracker/translations \
		--no-fuzzy-matching --ignore-obsolete -w 100

# Serves on 127.0.0.1:5000 with SQLite in instance/. The worker (emails, text extraction,
# the daily purge) runs beside the web server and, with no MAIL_SERVER set, prints every
# email to this console.
# Links in emails are built from PUBLIC_BASE_URL, never from a request's Host header.
run: export PUBLIC_BASE_URL ?= http://127.0.0.1:5000
run: translations
	$(FLASK) db upgrade
	$(FLASK) calls seed-default
	$(FLASK) templates seed
	$(FLASK) users bootstrap-admin
	$(FLASK) worker --watch & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT; \
	$(FLASK) run --host 127.0.0.1 --port 5000

# The suite runs on every core (pytest-xdist); PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= auto
test: translations
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Timings against raw-SQL baselines on N seeded applications (scratch SQLite under /tmp,
# reused for the same N; DATABASE_URL=postgresql+psycopg://…/tracker_bench_100000 runs it on
# PostgreSQL; COMPARE=10000 adds each page's growth from 10,000 rows). Takes a few minutes;
# not part of `make test` or CI.
N ?= 100000
bench: translations
	$(BIN)/python -m tests.benchmarks.bench --n $(N) $(if $(COMPARE),--compare $(COMPARE))

# Bounded fault runs against gunicorn on loopback: concurrency, mail outage, killed worker,
# locked SQLite, full disk; PostgreSQL (and its restart) too when SOAK_DATABASE_URL is set.
soak: translations
	$(BIN)/python -m tests.soak.soak

lint: $(STAMP)
	$(BIN)/ruff check tracker tests
	$(BIN)/ruff format --check tracker tests

clean:
	rm -rf $(VENV) build *.egg-info
