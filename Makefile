# kylin.streaming development toolchain. `make help` lists the targets.
#
# Everything runs offline from pinned tools in virtualenvs:
#   .venv/         ansible-core 2.19 + ansible-lint, molecule, antsibull-changelog, yamllint, pytest
#   .venv-2.16/    ansible-core 2.16 (the oldest we support) + pytest, requests
#   .venv-2.21/    ansible-core 2.21 (the newest; Python 3.12+) + pytest, requests, ansible-runner,
#                  ansible-builder, antsibull-docs and Sphinx
#   .venv-galaxy/  galaxy-importer (Galaxy's import checks: flake8, ansible-lint, ansible-doc)
# ansible-test runs in a copy of the tree laid out as it wants it:
#   .build/ansible_collections/kylin/streaming/  (re-synced before every ansible-test run)

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules

PYTHON ?= python3
# Python version ansible-test creates its test venvs with (--python).
TEST_PYTHON ?= 3.11
# Extra arguments for ansible-test, e.g. make units TEST_ARGS="-v --coverage".
TEST_ARGS ?=
# Arguments for the simulator (make sim ARGS="--port 7071 --seed empty").
ARGS ?=
# Extra ansible-playbook arguments for make demo (e.g. DEMO_ARGS="-v --check --diff").
DEMO_ARGS ?=

ROOT := $(CURDIR)
VENV := $(ROOT)/.venv
VENV_216 := $(ROOT)/.venv-2.16
# ansible-rulebook (Event-Driven Ansible) and its ansible-core, for the EDA suite and demo.
VENV_EDA := $(ROOT)/.venv-eda

VENV_221 := $(ROOT)/.venv-2.21
VENV_GALAXY := $(ROOT)/.venv-galaxy
BUILD := $(ROOT)/.build
COLLECTION := $(BUILD)/ansible_collections/kylin/streaming
# ansible-core 2.16 gets its own copy: ansible-test keeps its venvs and output in the copy's
# tests/output, and the two versions must not reinstall each other's pinned requirements.
COLLECTION_216 := $(BUILD)/core-2.16/ansible_collections/kylin/streaming
COLLECTION_221 := $(BUILD)/core-2.21/ansible_collections/kylin/streaming
# ansible-core 2.21 needs Python 3.12 or 3.13 on the controller. A real interpreter is looked for
# (pyenv's versions first; pyenv shims on PATH may fail): make PYTHON_221=/path/to/python3.13 overrides.
PYTHON_221 ?= $(shell scripts/find_python.sh 3.13 3.12)
TEST_PYTHON_221 = $(shell $(PYTHON_221) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
# Puts that interpreter first on PATH for ansible-test --python, which looks python3.1x up by name.
PATH_221 = $(dir $(PYTHON_221)):
# The built artifact (make build).
VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)
ARTIFACT = $(TMP)/dist/kylin-streaming-$(VERSION).tar.gz
TMP := $(ROOT)/.tmp
SKIPPED := $(TMP)/skipped-steps

# What `make test` runs, in this order; it stops at the first failure.
TEST_STEPS := docs-check sanity units units-2.16 units-2.21 sim-test sim-package-test integration-2.16 integration-2.21 playbooks-test-2.21 eda-test lint molecule fault galaxy-importer docs-lint docs-test ee-test awx-test changelog-lint

# The collection resolves as kylin.streaming.* for ansible, ansible-lint and molecule.
COLLECTIONS_ENV := ANSIBLE_COLLECTIONS_PATH=$(BUILD)
# Tools that shell out to ansible-* (molecule, ansible-lint) need the venv first on PATH.
VENV_PATH := PATH=$(VENV)/bin:$$PATH

# $(call skip,what): say that a suite does not exist yet, record it for `make test`, succeed.
define skip
echo "$@: no $(1) yet - nothing to run"; mkdir -p $(TMP); echo "$@" >> $(SKIPPED)
endef

# $(call ansible_test,venv,copy,command[,python version,PATH prefix]): run ansible-test from VENV in
# a synced collection copy, with --python TEST_PYTHON unless given.
# .venv/bin is appended to PATH so that the shellcheck sanity test finds shellcheck instead of
# skipping (appended: python3.11 must still resolve to a real interpreter, not a venv's).
define ansible_test
cd $(2) && PATH=$(5)$$PATH:$(VENV)/bin $(1)/bin/ansible-test $(3) --venv --python $(or $(4),$(TEST_PYTHON)) $(TEST_ARGS)
endef

HAS_UNIT_TESTS = $(shell find tests/unit -name 'test_*.py' -print -quit 2>/dev/null)
HAS_INTEGRATION_TARGETS = $(shell find tests/integration/targets -mindepth 1 -maxdepth 1 -type d -print -quit 2>/dev/null)
HAS_SIM_TESTS = $(shell find kylin-sim/tests -name 'test_*.py' -print -quit 2>/dev/null)
HAS_PLAYBOOK_TESTS = $(shell find tests/playbooks -name 'test_*.py' -print -quit 2>/dev/null)
HAS_FAULT_TESTS = $(shell find tests/fault -name 'test_*.py' -print -quit 2>/dev/null)
HAS_EDA_TESTS = $(shell find tests/eda -name 'test_*.py' -print -quit 2>/dev/null)
MOLECULE_ROLE_DIRS = $(sort $(foreach f,$(wildcard roles/*/molecule/*/molecule.yml),roles/$(word 2,$(subst /, ,$(f)))))
MOLECULE_EXT_DIR = $(if $(wildcard extensions/molecule/*/molecule.yml),extensions)

.PHONY: help
help: ## Show this help
	@echo "kylin.streaming - make targets:"
	@awk 'BEGIN {FS = ":.*## "} /^##@/ {printf "\n%s\n", substr($$0, 5)} /^[a-zA-Z0-9_.-]+:.*## / {printf "  %-20s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo
	@echo "Variables: PYTHON=$(PYTHON) TEST_PYTHON=$(TEST_PYTHON) PYTHON_221=$(PYTHON_221) TEST_ARGS=... ARGS=... (sim) DEMO_ARGS=... (demo)"

##@ Environments

.PHONY: venv venv-2.16 venv-2.21 venv-galaxy
venv: $(VENV)/.stamp ## Create .venv (ansible-core 2.19 + all tools); rebuilt when requirements change

venv-2.16: $(VENV_216)/.stamp ## Create .venv-2.16 (ansible-core 2.16 + pytest + requests)

venv-2.21: $(VENV_221)/.stamp ## Create .venv-2.21 (ansible-core 2.21 on Python 3.12/3.13 + runner, builder, antsibull-docs)

venv-galaxy: $(VENV_GALAXY)/.stamp ## Create .venv-galaxy (galaxy-importer)

$(VENV)/.stamp: requirements-dev.txt requirements.txt kylin-sim/pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "venv: ansible-core 2.19 needs Python >= 3.11; run make PYTHON=python3.11 ..."; exit 1; }
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -r requirements.txt
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -e ./kylin-sim
	touch $@

$(VENV_216)/.stamp: requirements-dev-2.16.txt requirements.txt kylin-sim/pyproject.toml
	rm -rf $(VENV_216)
	$(PYTHON) -m venv $(VENV_216)
	$(VENV_216)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev-2.16.txt -r requirements.txt
	$(VENV_216)/bin/python -m pip install --quiet --disable-pip-version-check -e ./kylin-sim
	touch $@

.PHONY: eda-venv
eda-venv: $(VENV_EDA)/.stamp ## Create .venv-eda (ansible-rulebook + drools-jpy + ansible-core, requirements-eda.txt)

$(VENV_EDA)/.stamp: requirements-eda.txt
	rm -rf $(VENV_EDA)
	$(PYTHON) -m venv $(VENV_EDA)
	$(VENV_EDA)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-eda.txt
	touch $@

# Java 17+ for ansible-rulebook's rule engine (drools-jpy): Debian's openjdk-17-jre-headless, installed
# with apt-get when missing (as root, or through sudo), retried once after apt-get update.
JAVA_PACKAGES := openjdk-17-jre-headless
.PHONY: java
java: ## Install Java 17 with apt-get when it is missing (needed by ansible-rulebook: eda-test, eda-demo)
	@major() { java -version 2>&1 | sed -n '1s/.*version "\([0-9]*\).*/\1/p'; }; \
	if command -v java >/dev/null 2>&1 && [ "$$(major)" -ge 17 ] 2>/dev/null; then \
	  echo "java: $$(java -version 2>&1 | head -1)"; exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
	  echo "java: no Java 17 and no apt-get: install a Java 17 runtime (JRE) yourself"; exit 1; fi; \
	if [ "$$(id -u)" -eq 0 ]; then sudo=; elif command -v sudo >/dev/null 2>&1; then sudo="sudo -n"; else \
	  echo "java: installing Java needs root (or sudo): apt-get install $(JAVA_PACKAGES)"; exit 1; fi; \
	install="$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(JAVA_PACKAGES)"; \
	echo "java: $$install"; \
	if ! $$install; then \
	  echo "java: install failed; apt-get update, then once more"; \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q && $$install; fi; \
	[ "$$(major)" -ge 17 ] 2>/dev/null || { echo "java: still no Java 17 after apt-get"; exit 1; }; \
	java -version 2>&1 | head -1

$(VENV_221)/.stamp: requirements-dev-2.21.txt requirements.txt kylin-sim/pyproject.toml
	@[ -n "$(PYTHON_221)" ] || { echo "venv-2.21: ansible-core 2.21 needs Python 3.12 or 3.13, and no working" \
	  "python3.13 or python3.12 was found (looked in $$(pyenv root 2>/dev/null || echo '~/.pyenv')/versions/3.1[23]*/bin," \
	  "on PATH, /usr/bin, /usr/local/bin): install one (pyenv install 3.13, apt-get install python3.13)," \
	  "or make PYTHON_221=/path/to/python3.13 ..."; exit 1; }
	rm -rf $(VENV_221)
	$(PYTHON_221) -m venv $(VENV_221)
	$(VENV_221)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev-2.21.txt -r requirements.txt
	$(VENV_221)/bin/python -m pip install --quiet --disable-pip-version-check -e ./kylin-sim
	touch $@

$(VENV_GALAXY)/.stamp: requirements-galaxy.txt
	rm -rf $(VENV_GALAXY)
	$(PYTHON) -m venv $(VENV_GALAXY)
	$(VENV_GALAXY)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-galaxy.txt
	touch $@

.PHONY: bootstrap
bootstrap: ## Write the offline get-pip stand-ins ansible-test --venv needs (~/.ansible/test/cache)
	@$(PYTHON) scripts/bootstrap_get_pip.py $(wildcard $(VENV)/bin/python $(VENV_216)/bin/python $(VENV_221)/bin/python)

.PHONY: collection
collection: ## Sync the tree into .build/ansible_collections/kylin/streaming (for ansible-test)
	@$(PYTHON) scripts/sync_collection.py $(ROOT) $(COLLECTION)

.PHONY: collection-2.16 collection-2.21
collection-2.16:
	@$(PYTHON) scripts/sync_collection.py $(ROOT) $(COLLECTION_216)

collection-2.21:
	@$(PYTHON) scripts/sync_collection.py $(ROOT) $(COLLECTION_221)

##@ Tests

.PHONY: test
test: ## Run everything CI runs (stops at the first failure)
	@rm -f $(SKIPPED); passed=0; \
	count_skipped() { if [ -f $(SKIPPED) ]; then sort -u $(SKIPPED) | wc -l; else echo 0; fi; }; \
	for step in $(TEST_STEPS); do \
	  echo "==> make $$step"; start=$$(date +%s); \
	  if ! $(MAKE) --no-print-directory $$step; then \
	    echo "==> make $$step FAILED after $$(( $$(date +%s) - start ))s"; \
	    skipped=$$(count_skipped); \
	    echo "steps: $$((passed - skipped)) passed, 1 failed, $$skipped skipped"; exit 1; \
	  fi; \
	  echo "==> make $$step ok ($$(( $$(date +%s) - start ))s)"; passed=$$((passed + 1)); \
	done; \
	skipped=$$(count_skipped); \
	if [ "$$skipped" -gt 0 ]; then echo "not written yet: $$(sort -u $(SKIPPED) | tr '\n' ' ')"; fi; \
	echo "steps: $$((passed - skipped)) passed, 0 failed, $$skipped skipped"

.PHONY: sanity sanity-2.19
# Sanity runs on the newest ansible-core (2.21: the newest and strictest sanity tests), with no
# ignore files; sanity-2.19 runs the same on 2.19 (not part of make test).
sanity: venv venv-2.21 bootstrap collection-2.21 ## ansible-test sanity (ansible-core 2.21, no ignore files)
	@$(check_no_ignores)
	$(call ansible_test,$(VENV_221),$(COLLECTION_221),sanity,$(TEST_PYTHON_221),$(PATH_221))

sanity-2.19: venv bootstrap collection ## ansible-test sanity on ansible-core 2.19 (no ignore files)
	@$(check_no_ignores)
	$(call ansible_test,$(VENV),$(COLLECTION),sanity)

define check_no_ignores
if ls tests/sanity/ignore-*.txt >/dev/null 2>&1; then \
  echo "sanity: ignore files are not allowed here: fix the code instead"; ls tests/sanity/ignore-*.txt; exit 1; fi
endef

.PHONY: units units-2.16 units-2.21
units: venv bootstrap collection ## ansible-test units (ansible-core 2.19)
	@$(if $(HAS_UNIT_TESTS),$(call ansible_test,$(VENV),$(COLLECTION),units),$(call skip,unit tests))

units-2.16: venv-2.16 bootstrap collection-2.16 ## ansible-test units (ansible-core 2.16)
	@$(if $(HAS_UNIT_TESTS),$(call ansible_test,$(VENV_216),$(COLLECTION_216),units),$(call skip,unit tests))

units-2.21: venv-2.21 bootstrap collection-2.21 ## ansible-test units (ansible-core 2.21, Python 3.12/3.13)
	@$(if $(HAS_UNIT_TESTS),$(call ansible_test,$(VENV_221),$(COLLECTION_221),units,$(TEST_PYTHON_221),$(PATH_221)),$(call skip,unit tests))

# Integration: `ansible-test integration --venv --python 3.11`, no containers. --venv makes
# ansible-test create and manage a controller virtualenv in the copy's tests/output/.tmp, and
# because it manages it, it installs tests/integration/requirements.txt (requests) there. Targets
# run on the controller with that venv's Python (connection local); the setup_kylin_sim target
# starts the simulator there from the copy's kylin-sim/src (that venv does not install it). Give
# each target the alias `context/controller`. One target: make integration TEST_ARGS=job_info
.PHONY: integration integration-2.16 integration-2.21
integration: venv bootstrap collection ## ansible-test integration against the simulator (ansible-core 2.19)
	@$(if $(HAS_INTEGRATION_TARGETS),$(call ansible_test,$(VENV),$(COLLECTION),integration),$(call skip,integration targets))

integration-2.16: venv-2.16 bootstrap collection-2.16 ## ansible-test integration against the simulator (ansible-core 2.16)
	@$(if $(HAS_INTEGRATION_TARGETS),$(call ansible_test,$(VENV_216),$(COLLECTION_216),integration),$(call skip,integration targets))

integration-2.21: venv-2.21 bootstrap collection-2.21 ## ansible-test integration against the simulator (ansible-core 2.21)
	@$(if $(HAS_INTEGRATION_TARGETS),$(call ansible_test,$(VENV_221),$(COLLECTION_221),integration,$(TEST_PYTHON_221),$(PATH_221)),$(call skip,integration targets))

.PHONY: sim-test
sim-test: venv ## pytest the simulator package itself (kylin-sim/tests)
	@$(if $(HAS_SIM_TESTS),$(VENV)/bin/python -m pytest kylin-sim/tests -q,$(call skip,simulator tests))

# The simulator as a user installs it: `pip install ./kylin-sim` (not editable) into a fresh virtualenv
# with pytest, plus ansible-core and requests for the README's example (a test of a user's playbook,
# which plays kylin.streaming.job from the build copy). Checks the command, that pytest lists the
# plugin's fixtures, kylin-sim/tests/package/test_installed.py, the README's examples, and that the
# package installs from the collection artifact once ansible-galaxy has installed it.
SIM_PACKAGE := $(TMP)/sim-package
.PHONY: sim-package-test
sim-package-test: venv collection ## pip install ./kylin-sim into a fresh venv: kylin-sim --help, its fixtures, the README example
	rm -rf $(SIM_PACKAGE)
	$(PYTHON) -m venv $(SIM_PACKAGE)/venv
	$(SIM_PACKAGE)/venv/bin/python -m pip install --quiet --disable-pip-version-check ./kylin-sim \
	  $$(grep -E '^(pytest|ansible-core)==' requirements-dev.txt) -r requirements.txt
	rm -rf kylin-sim/build  # what setuptools leaves behind in the source tree
	$(SIM_PACKAGE)/venv/bin/kylin-sim --help | grep -q '^usage: kylin-sim '
	mkdir -p $(SIM_PACKAGE)/example
	cd $(SIM_PACKAGE)/example && ../venv/bin/python -m pytest --fixtures -p no:cacheprovider \
	  | grep -E '^(kylin_sim|kylin_sim_module|kylin_sim_session|kylin_sim_factory|kylin_playbook|wait_until)( |$$)' \
	  | sort | awk '{print "sim-package-test: fixture", $$1} END {if (NR != 6) {print "sim-package-test: want 6 fixtures"; exit 1}}'
	$(SIM_PACKAGE)/venv/bin/python kylin-sim/tests/package/extract_examples.py kylin-sim/README.md $(SIM_PACKAGE)/example
	cp kylin-sim/tests/package/test_installed.py $(SIM_PACKAGE)/example/
	cd $(SIM_PACKAGE)/example && $(COLLECTIONS_ENV) ../venv/bin/python -m pytest -q -p no:cacheprovider
	@echo "sim-package-test: the collection artifact carries kylin-sim/: pip install it from the installed collection"
	$(VENV)/bin/ansible-galaxy collection build --force --output-path $(SIM_PACKAGE)/dist >/dev/null
	ANSIBLE_COLLECTIONS_PATH=$(SIM_PACKAGE)/collections $(VENV)/bin/ansible-galaxy collection install -p $(SIM_PACKAGE)/collections $(SIM_PACKAGE)/dist/kylin-streaming-*.tar.gz >/dev/null
	$(SIM_PACKAGE)/venv/bin/python -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps \
	  $(SIM_PACKAGE)/collections/ansible_collections/kylin/streaming/kylin-sim
	$(SIM_PACKAGE)/venv/bin/kylin-sim --help | grep -q '^usage: kylin-sim '

# Fault injection: the real modules (ansible-playbook subprocesses, collection from the synced copy in
# $(BUILD)) against simulator processes with faults on; ~2 minutes. FAULT_REPORT=docs/reliability.md
# also writes the report of the run there.
FAULT_REPORT ?=
.PHONY: fault
fault: venv collection ## Fault-injection suite (tests/fault) against the simulator (FAULT_REPORT=docs/reliability.md)
	@$(if $(HAS_FAULT_TESTS),$(VENV_PATH) $(COLLECTIONS_ENV) KYLIN_FAULT_REPORT=$(if $(FAULT_REPORT),$(abspath $(FAULT_REPORT))) \
	  $(VENV)/bin/python -m pytest tests/fault -q -p no:cacheprovider --durations=5,$(call skip,fault tests))

# Benchmarks against the simulator, ~10 minutes (the 1,000-job uri loop is most of it); prints the
# tables and writes docs/benchmarks.md. BENCH_ARGS="--quick" for a smoke run that writes nothing.
BENCH_ARGS ?=
.PHONY: bench
bench: venv collection ## Benchmarks (tests/bench; writes docs/benchmarks.md); not part of `make test` (BENCH_ARGS=--quick)
	@if [ -f tests/bench/run.py ]; then \
	  $(VENV_PATH) $(COLLECTIONS_ENV) $(VENV)/bin/python tests/bench/run.py $(BENCH_ARGS); \
	elif [ -n "$$(find tests/bench -name 'test_*.py' -print -quit 2>/dev/null)" ]; then \
	  $(VENV_PATH) $(COLLECTIONS_ENV) $(VENV)/bin/python -m pytest tests/bench -q; \
	else $(call skip,benchmarks); fi

# Restarting N running jobs with real (scaled) kill times: Kylin's RESTART against the graceful restart,
# about a minute; writes its section of docs/benchmarks.md. BENCH_RESTART_ARGS="--no-write" to print only.
BENCH_RESTART_ARGS ?=
.PHONY: bench-restart
bench-restart: venv collection ## Benchmark: restart N jobs, Kylin's RESTART vs graceful (writes docs/benchmarks.md)
	@$(VENV_PATH) $(COLLECTIONS_ENV) $(VENV)/bin/python tests/bench/restart.py $(BENCH_RESTART_ARGS)

# The health gate's cost over a healthy rolling restart of 20 jobs (time past RUNNING, stats reads), at the
# real proportions scaled by 0.02: about a minute; writes its section of docs/benchmarks.md.
BENCH_HEALTH_ARGS ?=
.PHONY: bench-health
bench-health: venv collection ## Benchmark: the health gate's cost over a rolling restart of 20 jobs (writes docs/benchmarks.md)
	@$(VENV_PATH) $(COLLECTIONS_ENV) $(VENV)/bin/python tests/bench/health.py $(BENCH_HEALTH_ARGS)

# The runbook playbooks (playbooks/*.yml, roles/) as users run them: ansible-playbook
# kylin.streaming.<name> in a subprocess against a simulator per test module, the server's real state
# checked after; the HTML report is rendered in headless chromium (screenshot: docs/_artifacts/report.png).
.PHONY: playbooks-test playbooks-test-2.21
playbooks-test: venv collection browser ## Runbook playbooks against the simulator (tests/playbooks; report in headless chromium)
	@$(if $(HAS_PLAYBOOK_TESTS),$(VENV_PATH) $(COLLECTIONS_ENV) $(VENV)/bin/python -m pytest tests/playbooks -q,$(call skip,playbook tests))

# Event-Driven Ansible: the job_events source's logic without a server, the source against the
# simulator through an asyncio queue, and the real ansible-rulebook running extensions/eda/rulebooks/heal.yml
# against simulator processes (restarts judged from the simulator's action log); ~2 minutes.
.PHONY: eda-test
eda-test: venv eda-venv java collection ## EDA source and rulebooks (tests/eda), end to end with ansible-rulebook
	@$(if $(HAS_EDA_TESTS),$(COLLECTIONS_ENV) KYLIN_EDA_VENV=$(VENV_EDA) \
	  $(VENV)/bin/python -m pytest tests/eda -q -p no:cacheprovider --durations=5,$(call skip,EDA tests))

playbooks-test-2.21: venv-2.21 collection browser ## The runbook tests on ansible-core 2.21
	@$(if $(HAS_PLAYBOOK_TESTS),PATH=$(VENV_221)/bin:$$PATH $(COLLECTIONS_ENV) $(VENV_221)/bin/python -m pytest tests/playbooks -q,$(call skip,playbook tests))

# chromium for the report tests: Debian's package, installed with apt-get when missing (as root, or
# through sudo); an install that fails is retried once after apt-get update (stale package lists).
BROWSER_PACKAGES := chromium fonts-liberation
.PHONY: browser
browser: ## Install chromium with apt-get when it is missing (needed by playbooks-test)
	@found=$$(command -v chromium || command -v chromium-browser || command -v google-chrome || true); \
	if [ -n "$$found" ]; then echo "browser: $$found"; exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
	  echo "browser: no chromium and no apt-get: install chromium (or google-chrome) yourself"; exit 1; fi; \
	if [ "$$(id -u)" -eq 0 ]; then sudo=; elif command -v sudo >/dev/null 2>&1; then sudo="sudo -n"; else \
	  echo "browser: installing chromium needs root (or sudo): apt-get install $(BROWSER_PACKAGES)"; exit 1; fi; \
	install="$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(BROWSER_PACKAGES)"; \
	echo "browser: $$install"; \
	if ! $$install; then \
	  echo "browser: install failed; apt-get update, then once more"; \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q && $$install; fi; \
	command -v chromium >/dev/null 2>&1 || { echo "browser: chromium is still missing after apt-get"; exit 1; }; \
	chromium --version

.PHONY: molecule
molecule: venv collection ## molecule test for every role scenario (roles/*/molecule, extensions/molecule)
	@dirs="$(strip $(MOLECULE_ROLE_DIRS) $(MOLECULE_EXT_DIR))"; \
	if [ -z "$$dirs" ]; then $(call skip,molecule scenarios); exit 0; fi; \
	for dir in $$dirs; do \
	  echo "molecule: $$dir"; \
	  (cd $$dir && $(VENV_PATH) $(COLLECTIONS_ENV) molecule test --all); \
	done

# Galaxy's importer on the built artifact, as Galaxy runs it (flake8, ansible-lint, ansible-doc and
# the metadata checks; ansible-test off: it needs a container, and `make sanity` runs it). Offline.
# tests/galaxy first checks galaxy.yml against Galaxy's release rules as if it were 1.0.0.
# Any WARNING or ERROR line fails the step; the log is kept in .tmp/galaxy-importer.log. ~40 s.
.PHONY: galaxy-importer
galaxy-importer: venv-galaxy build ## Galaxy's importer on the built artifact (flake8, ansible-lint); no warning allowed
	$(VENV_GALAXY)/bin/python -m pytest tests/galaxy -q -p no:cacheprovider
	@log=$(TMP)/galaxy-importer.log; cd $(TMP); \
	GALAXY_IMPORTER_CONFIG=$(ROOT)/tests/galaxy/galaxy-importer.cfg PATH=$(VENV_GALAXY)/bin:$$PATH \
	  $(VENV_GALAXY)/bin/python -m galaxy_importer.main $(ARTIFACT) > $$log 2>&1 || \
	  { cat $$log; echo "galaxy-importer: the import failed (log: $$log)"; exit 1; }; \
	grep -E '^(Importer processing completed successfully|WARNING|ERROR)' $$log | sort -u; \
	if grep -qE '^(WARNING|ERROR)' $$log; then echo "galaxy-importer: warnings above (log: $$log)"; exit 1; fi; \
	grep -q '^Importer processing completed successfully' $$log || { cat $$log; exit 1; }

# Execution environment (execution-environment.yml) and decision environment
# (decision-environment.yml), ansible-builder definitions version 3 (docs/execution-environment.md).
# ee-context writes both build contexts (.tmp/ee/context, .tmp/de/context) from the built artifact;
# ee-test checks them without a container (~1 min); ee builds the images: podman or docker needed.
EE_ENGINE ?= $(shell command -v podman >/dev/null 2>&1 && echo podman || echo docker)
.PHONY: ee-artifact ee-context ee-test ee
ee-artifact: build
	@mkdir -p $(TMP)/ee && cp $(ARTIFACT) $(TMP)/ee/kylin-streaming.tar.gz

ee-context: venv-2.21 ee-artifact ## ansible-builder create for the EE and the DE (.tmp/ee/context, .tmp/de/context)
	$(VENV_221)/bin/ansible-builder create -f execution-environment.yml -c $(TMP)/ee/context --output-filename Containerfile
	$(VENV_221)/bin/ansible-builder create -f decision-environment.yml -c $(TMP)/de/context --output-filename Containerfile

ee-test: venv-2.21 ee-artifact ## ansible-builder create, then the collection's build steps run on the context (tests/ee)
	$(VENV_221)/bin/python -m pytest tests/ee -q -p no:cacheprovider

ee: ee-context ## Build the EE and DE images (needs podman or docker: EE_ENGINE=podman|docker)
	@$(EE_ENGINE) info >/dev/null 2>&1 || { echo "ee: '$(EE_ENGINE) info' fails: building an image needs a running" \
	  "container engine (podman, or docker with its daemon); make ee-context writes the build contexts without one"; exit 1; }
	$(VENV_221)/bin/ansible-builder build -f execution-environment.yml -c $(TMP)/ee/context --container-runtime $(EE_ENGINE) -t kylin-streaming-ee:latest
	$(VENV_221)/bin/ansible-builder build -f decision-environment.yml -c $(TMP)/de/context --container-runtime $(EE_ENGINE) -t kylin-streaming-de:latest

##@ Linters

.PHONY: lint
lint: venv collection ## ansible-lint (production profile) over the collection; shellcheck on the shell scripts
	$(VENV_PATH) $(COLLECTIONS_ENV) ansible-lint
	$(VENV)/bin/shellcheck .ci/run $(wildcard scripts/*.sh)

.PHONY: changelog-lint
changelog-lint: venv ## Check changelog fragments and changelogs/changelog.yaml
	$(VENV)/bin/antsibull-changelog lint
	$(VENV)/bin/antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml

# Every "§" in the repository must resolve to a section of docs/design.md or docs/kylin-api.md.
.PHONY: docs-check
docs-check: ## Check that every § citation resolves to docs/design.md or docs/kylin-api.md
	$(PYTHON) scripts/check_citations.py $(ROOT)

##@ Running

.PHONY: sim
sim: venv ## Run the Kylin simulator in the foreground (ARGS="--port 7071 --seed empty")
	$(VENV)/bin/kylin-sim $(ARGS)

.PHONY: demo
demo: venv collection ## Start the simulator (demo seed), run playbooks/demo.yml against it, stop it
	@$(COLLECTIONS_ENV) $(VENV_PATH) scripts/demo.sh $(DEMO_ARGS)

.PHONY: eda-demo
eda-demo: venv eda-venv java collection ## Simulator + ansible-rulebook heal.yml: a job fails, is restarted, fails again, is reported
	@$(COLLECTIONS_ENV) PATH=$(VENV_EDA)/bin:$$PATH PYTHON_BIN=$(VENV)/bin/python scripts/eda_demo.sh

.PHONY: build docs-rst
build: venv docs-rst ## Build the collection artifact into .tmp/dist (needs README.md)
	$(VENV)/bin/ansible-galaxy collection build --force --output-path $(TMP)/dist

# docs/*.md -> docs/docsite/rst/*.rst + docs/docsite/extra-docs.yml (generated, git-ignored): the
# extra docs antsibull-docs publishes, shipped in the artifact.
docs-rst: venv
	@$(VENV)/bin/python scripts/docs_rst.py $(ROOT)

##@ Docs site and AWX

# The built artifact installed by ansible-galaxy (offline) into .build/installed, as users get it:
# what the docs site, the docs lint and the AWX run use.
INSTALLED := $(BUILD)/installed
INSTALLED_ENV = PATH=$(VENV_221)/bin:$$PATH ANSIBLE_COLLECTIONS_PATH=$(INSTALLED)
.PHONY: install-artifact
install-artifact: venv-2.21 build
	@rm -rf $(INSTALLED)
	@$(INSTALLED_ENV) $(VENV_221)/bin/ansible-galaxy collection install --offline -p $(INSTALLED) $(ARTIFACT) | tail -1

# The docs site, built from the installed artifact: plugins, roles, the docs/*.md pages as extra
# docs; .tmp/docs-site/build/html/index.html. ~40 s.
DOCS_SITE := $(TMP)/docs-site
.PHONY: docs docs-lint docs-test

docs: install-artifact ## Build the docs site with antsibull-docs (.tmp/docs-site/build/html)
	$(INSTALLED_ENV) $(VENV_221)/bin/python scripts/docs_site.py $(DOCS_SITE)

docs-lint: install-artifact ## antsibull-docs lint-collection-docs --plugin-docs on the built artifact
	$(INSTALLED_ENV) $(VENV_221)/bin/antsibull-docs lint-collection-docs --plugin-docs $(INSTALLED)/ansible_collections/kylin/streaming

# Renders the site's pages in headless chromium and checks what they show against ansible-doc;
# screenshot: docs/_artifacts/docs-job-module.png. ~1.5 min with the build.
docs-test: docs browser ## The docs site rendered in headless chromium (tests/docs)
	$(INSTALLED_ENV) KYLIN_DOCS_SITE=$(DOCS_SITE)/build/html $(VENV_221)/bin/python -m pytest tests/docs -q -p no:cacheprovider

# AWX / AAP: the converge runbook as a job template runs it, through ansible-runner with the
# environment the credential type (extensions/awx/credential_type.yml) injects, against an HTTPS
# simulator; the installed artifact plays the execution environment's collection. ~40 s.
.PHONY: awx-test
awx-test: install-artifact ## ansible-runner runs the converge job template with the Kylin credential (tests/awx)
	$(INSTALLED_ENV) $(VENV_221)/bin/python -m pytest tests/awx -q -p no:cacheprovider

##@ Housekeeping

.PHONY: clean distclean
clean: ## Remove build and test output (keeps the venvs)
	rm -rf $(BUILD) $(TMP) tests/output .ansible .pytest_cache docs/docsite/rst docs/docsite/extra-docs.yml
	find . -name __pycache__ -type d -not -path './.venv*' -prune -exec rm -rf {} +

distclean: clean ## clean, and remove the venvs too
	rm -rf $(VENV) $(VENV_216) $(VENV_221) $(VENV_GALAXY) $(VENV_EDA)
