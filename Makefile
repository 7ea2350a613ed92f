# The TechHub Flywheel Workshop. Two commands do all set-up:
#   make workshop   install, build the store, start the services offline, open JupyterLab
#   make test       install, run every test (and the notebooks with nbval)
# Every target is idempotent: pip runs again only when pyproject.toml changed (stamp file in .venv).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.techhub-installed
NOTEBOOKS := $(wildcard notebooks/*.ipynb)
NBVAL_ARGS := $(if $(NOTEBOOKS),--nbval notebooks $(if $(wildcard notebooks/sanitize.cfg),--nbval-sanitize-with notebooks/sanitize.cfg),)
PYTEST_ARGS ?=

.PHONY: workshop test notebooks install up down status reset lint

# JupyterLab stays offline too (no news, no update check, no PyPI extension manager): `install`
# writes that into the environment's own settings (techhub/lab_settings.py), which every launch reads.
# (--allow-root only when run as root, as in a container.)
workshop: install
	$(BIN)/techhub up
	@mkdir -p notebooks
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks \
		$(if $(filter 0,$(shell id -u)),--allow-root)

test: install
	@rc=0; $(BIN)/pytest tests $(NBVAL_ARGS) $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest: no tests collected (not a failure)"; rc=0; fi; \
	exit $$rc

# Re-execute every notebook offline (fresh state, own services) and write the outputs nbval checks.
notebooks: install
	$(BIN)/python scripts/run_notebooks.py

install: $(STAMP)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
		{ echo "error: $(PYTHON) is older than 3.11; run: make PYTHON=python3.11 <target>" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml techhub/lab_settings.py | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,monitoring]'
	$(BIN)/python -m techhub.lab_settings
	@touch $(STAMP)

up: install
	$(BIN)/techhub up

down:
	@if [ -x $(BIN)/techhub ]; then $(BIN)/techhub down; fi

status: install
	$(BIN)/techhub status

reset:
	@if [ -x $(BIN)/techhub ]; then $(BIN)/techhub reset; fi

lint: install
	$(BIN)/ruff check .
