# custseg — one-command set-up, demo, tests, lint and benchmarks.
# Everything the project needs is installed from here; nothing by hand.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Two cores here: one BLAS thread per process keeps parallel test workers fast.
export OMP_NUM_THREADS ?= 1
export OPENBLAS_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1
export PYTHONHASHSEED := 0
export SCIPY_ARRAY_API := 1

.PHONY: all setup demo test test-fast lint bench browser java clean

all: test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The editable install leaves src/ uncompiled (pip compiles only what it copies); with
# PYTHONDONTWRITEBYTECODE set, as on this machine, every command then recompiled all
# of custseg (0.4 s of each run). compileall writes the .pyc files once.
setup: $(STAMP)
	@$(BIN)/python -m compileall -q src >/dev/null

demo: setup
	$(BIN)/custseg demo

# Browser tests need Debian's chromium; Spark tests need a Java runtime.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing chromium (Debian package) for the report's browser tests"; \
	  (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

java:
	@command -v java >/dev/null 2>&1 || { \
	  echo "installing a Java runtime (Debian package) for the Spark tests"; \
	  (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null; }

test: setup browser java
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q -p no:cacheprovider

test-fast: setup
	$(BIN)/python -m pytest -n 2 -q -p no:cacheprovider -m "not slow"

lint: setup
	$(BIN)/ruff check src tests bench

bench: setup
	@for script in bench/*.py; do \
	  case $$script in bench/_*) continue;; esac; \
	  echo "== $$script"; $(BIN)/python $$script || exit 1; \
	done

clean:
	rm -rf $(VENV) custseg-out .pytest_cache test-artifacts bench/out
