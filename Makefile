# Gongzhi: `make run` starts the portal with the demo district; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUN_STAMP := $(VENV)/.run-installed
TEST_STAMP := $(VENV)/.test-installed
# The Supabase CLI, pinned in tools/supabase-cli/package-lock.json, installed inside the project.
SUPABASE_CLI_DIR := tools/supabase-cli
SUPABASE_CLI_STAMP := $(SUPABASE_CLI_DIR)/node_modules/.installed

.PHONY: run run-replicas test system-deps supabase-cli db-stop bench clean-data

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(RUN_STAMP): requirements.txt | $(PY)
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(TEST_STAMP): $(RUN_STAMP) requirements-test.txt requirements-backup.txt
	$(PY) -m pip install -q -r requirements-test.txt
	$(PY) -m pip install -q -r requirements-backup.txt
	touch $@

run: $(RUN_STAMP)
	$(PY) -m gongzhi migrate
	$(PY) -m gongzhi seed --demo
	$(VENV)/bin/streamlit run app.py

# N portal processes behind HAProxy on :8501 (sticky sessions), all against the same database.
N ?= 2
run-replicas: $(RUN_STAMP)
	bash scripts/install-system-deps.sh proxy
	$(PY) -m gongzhi migrate
	$(PY) -m gongzhi seed --demo
	$(PY) -m gongzhi replicas -n $(N) --port 8501

system-deps:
	bash scripts/install-system-deps.sh

$(SUPABASE_CLI_STAMP): $(SUPABASE_CLI_DIR)/package.json $(SUPABASE_CLI_DIR)/package-lock.json
	cd $(SUPABASE_CLI_DIR) && npm ci --no-audit --no-fund --loglevel=error
	SUPABASE_TELEMETRY_DISABLED=1 $(SUPABASE_CLI_DIR)/node_modules/.bin/supabase --version
	touch $@

supabase-cli: $(SUPABASE_CLI_STAMP)

test: system-deps $(TEST_STAMP) supabase-cli
	$(PY) -m pytest

db-stop: $(RUN_STAMP)
	$(PY) -m gongzhi db stop

clean-data: $(RUN_STAMP)
	$(PY) -m gongzhi db wipe --yes
