# Two commands do all set-up on a fresh machine:
#   make demo   extract every policy of the shipped corpus, store a policy and its revision, write the
#               change digest and the reports (creates .venv on first use)
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

# The demo's story: a policy is stored, then a revision of it with documented and silent changes; the
# change feed says what changed (stricter first) and the digest links each change to its report and page.
SEED := corpus/seeds/centene-cp-mp-101-dli.txt
REVISED := corpus/seeds/revised/centene-cp-mp-101-dli-revised.txt
DEMO_DB := out/demo.sqlite

demo: $(STAMP)
	@mkdir -p out
	@rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	@echo "== extract: every policy of the shipped corpus -> out/records/"
	@$(BIN)/policydiff extract $(POLICIES) -o out/records
	@echo "== ingest: $(SEED), then its revision"
	@$(BIN)/policydiff ingest $(SEED) --db $(DEMO_DB)
	@$(BIN)/policydiff ingest $(REVISED) --db $(DEMO_DB)
	@echo "== changes: what the revision changed for coverage"
	@$(BIN)/policydiff changes --db $(DEMO_DB) --format text > out/changes.txt
	@sed -n '/^SUBSTANTIVE/,/^$$/p' out/changes.txt
	@$(BIN)/policydiff changes --db $(DEMO_DB) --format html -o out/digest
	@$(BIN)/policydiff extract $(SEED:.txt=.pdf) --format html -o out/policy-report.html
	@$(BIN)/policydiff compare $(SEED:.txt=.pdf) corpus/seeds/cigna-0261-dli-hpc-boost.pdf --format html -o out/comparison-report.html
	@$(BIN)/policydiff compare $(BARIATRIC) --format html -o out/bariatric-anthem-vs-medicare.html
	@$(BIN)/policydiff diff $(L33822)/L33822_2020.txt $(L33822)/L33822_2021.txt --format html -o out/revision-report-l33822.html
	@echo "== written: out/records/ (JSON), out/changes.txt (the whole feed), out/digest/ (the digest and its report),"
	@echo "   out/policy-report.html, out/comparison-report.html, out/bariatric-anthem-vs-medicare.html,"
	@echo "   out/revision-report-l33822.html (Medicare LCD L33822, 2020 -> 2021)"

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
