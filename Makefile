# Front door. `make run` and `make test` are the README's contract with a newcomer.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lab lock env-file clean docs benchmark

install: $(STAMP)

# Recreate or update the virtual environment whenever the lock or the project metadata changes.
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

run: install
	$(BIN)/python -m analysis run

# Two pytest-xdist workers (the project's machines have 2 cores); tests/conftest.py keeps the tests that share
# an expensive session fixture on one worker. TEST_WORKERS=0 runs everything in this one process.
TEST_WORKERS ?= 2
test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder

# JupyterLab at the project root (docs/, outputs/ and scratch/ in reach), opening on notebooks/.
# LAB_ARGS passes options through, e.g. `make lab LAB_ARGS="--allow-root --no-browser --port 8890"`.
LAB_ARGS ?=
lab: install
	$(BIN)/python -m analysis generate --if-missing
	$(BIN)/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks $(LAB_ARGS)

docs: install
	$(BIN)/python -m analysis contract --docs

# Regenerate the pip lock from the current environment, then environment.yml from the lock.
lock: install
	$(BIN)/python -m pip freeze --exclude-editable > requirements.lock
	$(BIN)/python tools/write_environment_yml.py

env-file:
	$(PYTHON) tools/write_environment_yml.py

benchmark: install
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) outputs
