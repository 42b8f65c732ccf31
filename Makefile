# storylens: `make demo` and `make test` are all a fresh machine needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The install is redone only when the dependency pins change.
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt 2>/dev/null | sha256sum | cut -c1-12)
DEMO := src/storylens/demo/corpus

.PHONY: install demo test lint typecheck pytest browser java bench screenshots clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip==25.3
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev,export,serve,spark]'
	@rm -f $(VENV)/.installed-*
	@touch $@

demo: install
	@mkdir -p out
	$(BIN)/storylens analyze $(DEMO) --db out/demo.sqlite --json out/demo.json --html out/demo.html
	@echo "report: out/demo.html   store: out/demo.sqlite   json: out/demo.json"

# Debian's Chromium drives the browser tests (Playwright never downloads a browser here).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

# Java 17 for the Spark engine.
java:
	@command -v java >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null; }

lint: install
	$(BIN)/ruff check src tests evaluation benchmarks

typecheck: install
	$(BIN)/mypy

pytest: install browser java
	$(BIN)/pytest

test: lint typecheck pytest

bench: install java
	$(BIN)/python benchmarks/run_all.py

screenshots: install browser
	$(BIN)/python -m storylens.report.screenshots docs/img

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
