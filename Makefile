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

POLICIES := corpus/seeds corpus/real/anthem corpus/real/uhc corpus/real/medicare-cms/*.pdf corpus/real/medicare-cms/*.html
BARIATRIC := corpus/real/anthem/CG-SURG-83*.pdf corpus/real/medicare-cms/NCD*100.1*.html corpus/real/medicare-cms/LCD*L35022*.html
L33822 := corpus/real/medicare-cms/l33822-versions

demo: $(STAMP)
	@mkdir -p out
	$(BIN)/policydiff extract $(POLICIES) --format text
	$(BIN)/policydiff extract $(POLICIES) -o out/records
	$(BIN)/policydiff diff $(L33822)/L33822_2020.txt $(L33822)/L33822_2021.txt --format text
	$(BIN)/policydiff diff $(L33822)/L33822_2020.txt $(L33822)/L33822_2021.txt --format html -o out/revision-report.html
	$(BIN)/policydiff compare corpus/seeds/centene-cp-mp-101-dli.pdf corpus/seeds/cigna-0261-dli-hpc-boost.pdf --format html -o out/comparison-report.html
	$(BIN)/policydiff extract corpus/seeds/centene-cp-mp-101-dli.pdf --format html -o out/policy-report.html
	$(BIN)/policydiff compare $(BARIATRIC) --format html -o out/bariatric-anthem-vs-medicare.html
	@echo "JSON records in out/records/; HTML reports in out/*.html"

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
