# Two commands do all set-up on a fresh machine:
#   make demo   extract every policy of the shipped corpus (creates .venv on first use)
#   make test   run the test suite (creates .venv on first use)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format golden browser-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	@mkdir -p out
	$(BIN)/policydiff extract corpus --format text
	$(BIN)/policydiff extract corpus -o out/records
	@echo "JSON records written to out/records/"

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Regenerate the corpus golden files on purpose; read `git diff tests/golden` before committing.
golden: $(STAMP)
	$(BIN)/pytest tests/test_golden.py --update-golden

clean:
	rm -rf $(VENV) out build *.egg-info .pytest_cache .ruff_cache
