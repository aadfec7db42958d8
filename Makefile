# Two commands on a fresh machine: `make demo` and `make test`. Both build .venv first.
PY := .venv/bin/python
VENV_STAMP := .venv/.installed

.PHONY: demo test system-deps lint format bench clean

$(VENV_STAMP): pyproject.toml
	python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(VENV_STAMP)

# Debian packages the tests need: Chromium for the browser tests, Pango for PDF letters.
system-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! dpkg -s libpango-1.0-0 >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core poppler-utils >/dev/null; \
	fi

demo: $(VENV_STAMP)
	$(PY) -m foidesk.demo

test: $(VENV_STAMP) system-deps
	$(PY) -m pytest

lint: $(VENV_STAMP)
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format: $(VENV_STAMP)
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

bench: $(VENV_STAMP)
	$(PY) benchmarks/run_all.py

clean:
	rm -rf .venv out .pytest_cache
