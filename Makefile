# Gongzhi: `make run` starts the portal with the demo district; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUN_STAMP := $(VENV)/.run-installed
TEST_STAMP := $(VENV)/.test-installed

.PHONY: run test system-deps db-stop bench clean-data

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(RUN_STAMP): requirements.txt | $(PY)
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(TEST_STAMP): $(RUN_STAMP) requirements-test.txt
	$(PY) -m pip install -q -r requirements-test.txt
	touch $@

run: $(RUN_STAMP)
	$(PY) -m gongzhi migrate
	$(PY) -m gongzhi seed --demo
	$(VENV)/bin/streamlit run app.py

system-deps:
	bash scripts/install-system-deps.sh

test: $(TEST_STAMP) system-deps
	$(PY) -m pytest

db-stop: $(RUN_STAMP)
	$(PY) -m gongzhi db stop

clean-data: $(RUN_STAMP)
	$(PY) -m gongzhi db wipe --yes
