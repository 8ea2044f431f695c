# Two commands for a newcomer: `make run` and `make test`. Both create .venv when needed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint-content check bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m bot run

# Everything CI runs. `make check` is the fast part, for while you work.
test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(VENV)/bin/lint-imports
	$(VENV)/bin/hadolint Dockerfile
	$(PY) -m bot lint content/
# Headless Chromium for the browser tests (the HTML report; the web chat, through Debian's
# chromedriver). Debian packages; installing needs root.
	(command -v chromium && command -v chromedriver) >/dev/null || (apt-get update -qq \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) \
		|| echo "chromium could not be installed: the browser tests will be skipped"
	$(PY) -m pytest -n 4

# The fast part (well under 30 s): style, types, layers, content, and the tests not marked
# slow, postgres or browser.
check: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(VENV)/bin/lint-imports
	$(PY) -m bot lint content/
	$(PY) -m pytest -q -x -n 4 -m "not slow and not postgres and not browser"

lint-content: $(STAMP)
	$(PY) -m bot lint content/

bench: $(STAMP)
	$(PY) bench/lint.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
