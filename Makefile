# shikaku — the two commands are `make demo` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SHARED ?= ../shared
DEMO_MEMBERS ?= 12000
# Acceptance files of the landed issues (../shared/acceptance): 2 basics; 3 myna, verification;
# 4 certificates, ex_officio, other_documents, reception, transition.
ACCEPTANCE ?= test_basics.py test_myna.py test_verification.py test_certificates.py test_ex_officio.py \
              test_other_documents.py test_reception.py test_transition.py test_oqs.py

# `make test LONG=1`: also the 10-minute soaks and the long fault runs (SHIKAKU_LONG_TESTS=1, D-87).
LONG ?= 0

.PHONY: install demo test soak screenshots bench-demo clean

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock scripts/install-debs.sh
	bash scripts/install-debs.sh
	test -x $(PY) || python3 -m venv $(VENV)
	test -x $(VENV)/bin/uv || $(VENV)/bin/pip install -q uv==0.13.9
	$(VENV)/bin/uv pip sync -q --python $(PY) requirements.lock
	$(VENV)/bin/uv pip install -q --python $(PY) --no-deps -e .
	touch $@

demo: install
	$(VENV)/bin/shikaku demo --members $(DEMO_MEMBERS)

test: install
	SHIKAKU_LONG_TESTS=$(LONG) bash scripts/run-tests.sh "$(SHARED)" "$(ACCEPTANCE)"

# The 10-minute soaks alone (issue 7, D-86): SQLite, then a throwaway PostgreSQL database.
soak: install
	$(PY) bench/soak.py
	url=$$(bash scripts/pg-db.sh create) && trap 'bash scripts/pg-db.sh drop "$$url"' EXIT && \
	  $(PY) bench/soak.py --db "$$url"

# The README's screenshots, taken by the browser tests in Debian's Chromium.
screenshots: install
	SHIKAKU_SCREENSHOTS=docs/screenshots $(PY) -m pytest -q tests/browser

bench-demo: install
	$(PY) bench/demo_generation.py

clean:
	rm -rf $(VENV) var .pytest_cache
