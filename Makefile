# pinode-sr front door. `make help` lists the targets.
# Every target sets itself up: .venv is created if missing, torch (CPU build) is installed first,
# then the package in editable mode, pinned by constraints.txt.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PRESET ?= paper
SCHEDULER ?=
ONLY ?=
FLAGS ?=
JOBS ?= 2
OUT := $(if $(filter paper,$(PRESET)),out,out-$(PRESET))
STAMP := $(VENV)/.installed-test
DEV_STAMP := $(VENV)/.installed-dev
DOCS_STAMP := $(VENV)/.installed-docs
BENCH_STAMP := $(VENV)/.installed-bench
SITE := docs/_build/html
TORCH := torch==2.13.0

.DEFAULT_GOAL := help
.PHONY: help install dev test figures bench readme export format lint clean-nbs prepare clean docs docs-test docs-clean chromium

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  \033[1m%-10s\033[0m %s\n", $$1, $$2}'
	@echo "  variables: PRESET=paper|smoke (figures), SCHEDULER=tcp://host:port (figures: train on a Dask cluster), ONLY=fig02_extrapolation (figures: those notebooks, space-separated, and their runs), FLAGS=slow (test), JOBS=2 (test workers, figures' training processes)"

$(STAMP): constraints.txt settings.ini setup.py
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q $(TORCH)
	$(PY) -m pip install -q -c constraints.txt -e ".[test]"
	@touch $@

install: $(STAMP) ## create .venv and install the package with the pinned test dependencies

$(DEV_STAMP): $(STAMP)
	$(PY) -m pip install -q -c constraints.txt -e ".[dev]"
	@touch $@

dev: $(DEV_STAMP) ## install + Jupyter, to open and edit the notebooks

test: $(STAMP) ## run every nbs/ notebook and the repository checks through pytest (FLAGS=slow for paper-scale cells)
	@$(PY) -m pytest tests -n $(JOBS) --dist loadgroup --nb-flags "$(FLAGS)"; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: that is a failure here"; exit 1; fi; exit $$rc

# tools/make_figures.py: one up-front sweep trains every run the paper and beyond figures need (longest first, JOBS
# worker processes, or the Dask cluster at SCHEDULER=tcp://host:port), then papermill runs each paper_figures/
# notebook (one line each; IPYTHONDIR=tools/ipython: its kernel logs errors only). It prints and writes
# paper_figures/$(OUT)/timing.json (wall and CPU seconds of every step and run, the machine, the commit);
# `python tools/timing_table.py paper_figures/$(OUT)/timing.json` renders it as a table. The bench extra (the peers
# fig07 compares against) is installed first where it can be; a failing figure still prints papermill's traceback
# and the command exits non-zero.
figures: $(BENCH_STAMP) ## train every run, then regenerate every paper_figures/ notebook, timed (PRESET=paper|smoke, SCHEDULER=tcp://host:port, ONLY=notebook stems)
	@OMP_NUM_THREADS=1 $(PY) tools/make_figures.py --preset $(PRESET) --jobs $(JOBS)$(if $(SCHEDULER), --scheduler $(SCHEDULER))$(if $(ONLY), --only $(ONLY))

# The peers are optional: numbalsoda builds from source (needs gfortran and cmake: apt-get install gfortran cmake);
# if the extra cannot be installed the benchmark still runs and reports which peers it found.
$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install -q -c constraints.txt -e ".[bench]" || echo "== bench extra not (fully) installed: the benchmark runs the peers it finds"
	@touch $@

bench: $(BENCH_STAMP) ## run every benchmark (ratios against baselines and the compiled peers, medians) and write bench/results.json
	OMP_NUM_THREADS=1 $(PY) -c "from pinode_sr.bench import run_all; run_all('bench/results.json')"

readme: $(STAMP) ## regenerate README.md from nbs/index.ipynb (nbconvert; Quarto is not needed)
	$(PY) tools/make_readme.py

# The package's canonical form is `ruff format` of what nbdev exports (nbdev writes `__all__` its own way):
# tests/test_repo.py exports and formats a copy the same way and compares. tools/export.py does both in a scratch
# copy and replaces only the modules that change, atomically: pinode_sr/ is never left in nbdev's own layout.
export: $(STAMP) ## regenerate pinode_sr/ from the notebooks (nbdev_export, then ruff format; only changed modules are written)
	$(PY) tools/export.py

# One command formats everything, so concurrent notebook edits merge by re-running it:
# the notebooks through nbQA (ruff format per cell; `#|` directives stay first), the Python files, then the package.
format: $(STAMP) ## ruff format every notebook (nbQA) and Python file, clean the notebooks, re-export pinode_sr/
	$(VENV)/bin/nbqa "ruff format" nbs paper_figures
	$(VENV)/bin/ruff format -q tests tools docs setup.py
	$(VENV)/bin/nbdev_clean
	$(VENV)/bin/nbdev_clean --fname paper_figures
	$(MAKE) --no-print-directory export

lint: $(STAMP) ## ruff check (lint) the package, tests, tools and, through nbQA, the notebooks
	$(VENV)/bin/ruff check pinode_sr tests tools docs setup.py
	$(VENV)/bin/nbqa ruff nbs paper_figures

clean-nbs: $(STAMP) ## strip notebook metadata (keeps papermill's parameters tag)
	$(VENV)/bin/nbdev_clean
	$(VENV)/bin/nbdev_clean --fname paper_figures

prepare: export clean-nbs readme test ## export, clean, README, then test: run before committing

$(DOCS_STAMP): $(STAMP)
	$(PY) -m pip install -q -c constraints.txt -e ".[docs]"
	@touch $@

docs: $(DOCS_STAMP) ## build the documentation site into docs/_build/html (notebooks make test executed are shown as it ran them; others executed, cached)
	@set -e; start=$$(date +%s); \
	  IPYTHONDIR="$(CURDIR)/tools/ipython" OMP_NUM_THREADS=1 $(VENV)/bin/sphinx-build -q -b html -c docs . $(SITE) -d docs/_build/doctrees; \
	  echo "== docs built in $$(( $$(date +%s) - start )) s: open $(SITE)/index.html"; \
	  $(PY) -c "import json; r = json.load(open('$(SITE)/exec_report.json')); bad = [d for d, v in r.items() if not v['succeeded']]; \
	reused = sum(str(v['method']).startswith(('tests/', 'make ')) for v in r.values()); \
	print(f'== {len(r)} notebooks ({reused} shown as make test or make figures executed them, {len(r) - reused} executed here), ' \
	  + (f'{len(bad)} failed to execute (tracebacks in $(SITE)/reports/): ' + ', '.join(bad) if bad else 'all executed'))"

chromium: ## install Debian's chromium for docs-test when it is missing (as root)
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "docs-test needs Debian's chromium: sudo apt-get install chromium"; exit 1; fi; }

docs-test: docs chromium ## build the site, then check it in headless Chromium (tests/test_docs.py; screenshots in docs/screenshots/)
	@PINODE_SR_DOCS_SITE=$(SITE) $(PY) -m pytest tests/test_docs.py -v; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: that is a failure here"; exit 1; fi; exit $$rc

docs-clean: ## remove the built site, its execution cache and the screenshots (the next make docs starts cold)
	rm -rf docs/_build docs/api docs/screenshots

clean: ## remove executed notebooks and smoke outputs
	rm -rf paper_figures/executed paper_figures/out-smoke
