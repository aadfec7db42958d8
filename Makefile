# Two commands on a fresh machine: `make demo` and `make test`. Both build .venv first.
PY := .venv/bin/python
VENV_STAMP := .venv/.installed

.PHONY: demo test system-deps web-assets lint format bench vocabulary clean

$(VENV_STAMP): pyproject.toml
	python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(VENV_STAMP)

# Debian packages: Chromium for the browser tests, Pango for PDF letters, Poppler's
# pdftotext as the second reader that proves a redaction, Liberation Sans Narrow for the
# redaction tests in a narrow font, and Java 17 for Spark (pyspark 4 needs it; any java
# reporting version 17 or later will do).
system-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! dpkg -s libpango-1.0-0 >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1 || ! dpkg -s fonts-liberation >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fonts-liberation poppler-utils >/dev/null; \
	fi
	@if ! java -version 2>&1 | grep -qE 'version "(1[7-9]|[2-9][0-9])'; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	fi

# GOV.UK Frontend from npm, pinned to the release govuk-frontend-jinja 4.x targets; the web
# app serves the copied dist files itself (git-ignored), so no page depends on a CDN.
GOVUK_FRONTEND := 6.3.0
WEB_ASSETS := foidesk/web/static/govuk/.govuk-frontend-$(GOVUK_FRONTEND)

$(WEB_ASSETS):
	@command -v npm >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null)
	npm install --no-audit --no-fund --silent --prefix build/web govuk-frontend@$(GOVUK_FRONTEND)
	rm -rf foidesk/web/static/govuk && mkdir -p foidesk/web/static/govuk
	cp -r build/web/node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css \
		build/web/node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js \
		build/web/node_modules/govuk-frontend/dist/govuk/assets foidesk/web/static/govuk/
	touch $@

web-assets: $(WEB_ASSETS)

demo: $(VENV_STAMP) system-deps web-assets
	$(PY) -m foidesk.demo

test: $(VENV_STAMP) system-deps web-assets
	$(PY) -m pytest -n 2

lint: $(VENV_STAMP)
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format: $(VENV_STAMP)
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

# The personal-data suggester's word lists, rebuilt from Faker and wordfreq (committed).
vocabulary: $(VENV_STAMP)
	$(PY) -m pip install --quiet -e '.[vocabulary]'
	$(PY) -m foidesk.documents.vocabulary

# The benchmarks' own extra: Tau-Argus (pytauargus) for benchmarks/disclosure.py.
bench: $(VENV_STAMP)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	$(PY) benchmarks/run_all.py

clean:
	rm -rf .venv out .pytest_cache
