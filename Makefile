# kylin.streaming development toolchain; `make help` lists the targets. Pinned tools in virtualenvs that
# uv makes, each from one requirements file; ansible-test runs in a copy of the tree per ansible-core (it
# keeps its venvs in the copy's tests/output), re-synced before each run. System packages: bindep.txt.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
.SECONDEXPANSION:
MAKEFLAGS += --no-builtin-rules

PYTHON ?= python3
# ansible-core 2.21 needs Python 3.12 or 3.13, looked for once (pyenv's versions first).
PYTHON_221 ?= $(eval PYTHON_221 := $(shell scripts/find_python.sh 3.13 3.12))$(PYTHON_221)
# The Python that ansible-test makes its venvs with (--python) for 2.16 and 2.19; 2.21 uses PYTHON_221.
TEST_PYTHON ?= 3.11
# Also, empty unless given: extra arguments of ansible-test (TEST_ARGS="-v --coverage"), the simulator
# (ARGS="--port 7071"), make demo's ansible-playbook (DEMO_ARGS="--check --diff"), the benchmarks
# (BENCH_ARGS=--quick, BENCH_RESTART_ARGS=--no-write, BENCH_HEALTH_ARGS=--no-write); FAULT_REPORT=docs/reliability.md (fault's report).
EE_ENGINE ?= $(shell command -v podman >/dev/null 2>&1 && echo podman || echo docker)

ROOT := $(CURDIR)
BUILD := $(ROOT)/.build
TMP := $(ROOT)/.tmp
TOOLS := $(ROOT)/.venv-tools
UV := $(TOOLS)/bin/uv
export UV_PYTHON_DOWNLOADS := never
VENV := $(ROOT)/.venv
VENV_221 := $(ROOT)/.venv-2.21
VENV_GALAXY := $(ROOT)/.venv-galaxy
VENV_EDA := $(ROOT)/.venv-eda
ARTIFACT := $(TMP)/dist/kylin-streaming-$(shell sed -n 's/^version: *//p' galaxy.yml).tar.gz
# The artifact as ansible-galaxy installs it for users: the docs site, docs-lint and awx-test use it.
INSTALLED := $(BUILD)/installed
INSTALLED_ENV := PATH=$(VENV_221)/bin:$$PATH ANSIBLE_COLLECTIONS_PATH=$(INSTALLED)
VENV_PATH := PATH=$(VENV)/bin:$$PATH
COLLECTIONS_ENV := ANSIBLE_COLLECTIONS_PATH=$(BUILD)

##@ Environments

# The ansible-core lines tested: targets ending in -<version> exist for each; the plain names (venv,
# collection, units, integration, playbooks-test) are 2.19's, sanity is 2.21's.
CORES := 2.16 2.19 2.21
VENVS := $(CORES) galaxy eda
venv_dir = .venv$(if $(filter-out 2.19,$1),-$1)
venv_name = $(or $(patsubst .venv-%,%,$(filter .venv-%,$1)),2.19)
venv_requirements = requirements$(if $(filter $(CORES),$1),-dev)$(if $(filter-out 2.19,$1),-$1).txt
python_of = $(if $(filter 2.21,$1),$(PYTHON_221),$(PYTHON))
copy_of = $(BUILD)$(if $(filter-out 2.19,$1),/core-$1)/ansible_collections/kylin/streaming

.PHONY: venv eda-venv $(VENVS:%=venv-%) java browser bootstrap collection $(CORES:%=collection-%)
venv: venv-2.19 ## Create .venv (ansible-core 2.19 + the tools); venv-2.16, venv-2.21, venv-galaxy, eda-venv the others
eda-venv: venv-eda
$(VENVS:%=venv-%): venv-%: $$(call venv_dir,$$*)/.stamp

$(TOOLS)/.stamp: requirements-tools.txt
	rm -rf $(TOOLS) && $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check -r $< && touch $@

# A virtualenv, made again when its requirements change (--seed: with pip in it).
$(foreach v,$(VENVS),$(call venv_dir,$v)/.stamp): %/.stamp: $$(call venv_requirements,$$(call venv_name,$$*)) \
  kylin-sim/pyproject.toml $(TOOLS)/.stamp
	@[ -n "$(call python_of,$(call venv_name,$*))" ] || { echo "$*: ansible-core 2.21 needs Python 3.12 or 3.13:" \
	  "pyenv install 3.13, apt-get install python3.13, or make PYTHON_221=/path/to/python3.13"; exit 1; }
	rm -rf $* && $(UV) venv --quiet --seed --python $(call python_of,$(call venv_name,$*)) $*
	$(UV) pip install --quiet --python $*/bin/python -r $< && touch $@

# The system packages of a bindep.txt profile: bindep names those missing, apt-get installs them (as
# root or through sudo), once more after apt-get update if that fails (stale package lists).
java: ## Install Java 17 when it is missing (bindep.txt; for ansible-rulebook: eda-test, eda-demo)
browser: ## Install chromium when it is missing (bindep.txt; for playbooks-test, docs-test)
java browser: %: $(TOOLS)/.stamp
	@missing=$$($(TOOLS)/bin/bindep -b -f bindep.txt $*) && exit 0 || [ $$? -eq 1 ] || exit 1; \
	command -v apt-get >/dev/null || { echo "$@: install these yourself:" $$missing; exit 1; }; \
	if [ "$$(id -u)" -eq 0 ]; then sudo=; elif command -v sudo >/dev/null; then sudo="sudo -n"; \
	else echo "$@: installing" $$missing "needs root (or sudo)"; exit 1; fi; \
	apt="$$sudo env DEBIAN_FRONTEND=noninteractive apt-get -q"; echo "$@: apt-get install" $$missing; \
	$$apt install -y --no-install-recommends $$missing || { $$apt update && $$apt install -y --no-install-recommends $$missing; }; \
	$(TOOLS)/bin/bindep -b -f bindep.txt $* >/dev/null || { echo "$@: still missing after apt-get"; exit 1; }

bootstrap: ## Write the offline get-pip stand-ins ansible-test --venv needs (~/.ansible/test/cache)
	@$(PYTHON) scripts/bootstrap_get_pip.py $(wildcard $(foreach v,$(CORES),$(call venv_dir,$v)/bin/python))
collection: collection-2.19 ## Sync the tree into .build/ansible_collections/kylin/streaming (collection-2.16, -2.21: theirs)
$(CORES:%=collection-%): collection-%:
	@$(PYTHON) scripts/sync_collection.py $(ROOT) $(call copy_of,$*)

##@ Tests

# What `make test` (.ci/run) runs, each step a target of this file: TEST_JOBS steps side by side (the
# suites spend much of their time waiting on simulators and subprocesses), started in this order (quick
# checks, then the longest first); after a failure no new step starts. What the steps share (TEST_SHARED)
# is made once, before them.
TEST_STEPS := docs-check changelog-lint
# the long suites (a new one goes in here, by its time)
TEST_STEPS += playbooks-test-2.21 fault model-test integration-2.21 integration-2.16 eda-test molecule lint sanity
TEST_STEPS += units-2.16 galaxy-importer units sim-test units-2.21 docs-test sim-package-test ee-test awx-test docs-lint
TEST_JOBS ?= $(shell nproc)
TEST_SHARED := $(foreach v,$(VENVS),$(call venv_dir,$v)/.stamp) bootstrap $(CORES:%=collection-%) docs-rst build \
  install-artifact ee-artifact java browser
STEPS := $(TMP)/steps

.PHONY: test
test: ## Run everything CI runs (TEST_STEPS, TEST_JOBS at a time), then each step's time
	@rm -rf $(STEPS) && mkdir -p $(STEPS); SECONDS=0; \
	$(MAKE) --no-print-directory -j$(TEST_JOBS) -O $(addprefix step-,environments $(TEST_STEPS)) || status=$$?; \
	cd $(STEPS) && for step in environments $(TEST_STEPS); do cat $$step 2>/dev/null || echo "  $$step skipped"; done | tee summary; \
	echo "==> make test: $$SECONDS s with TEST_JOBS=$(TEST_JOBS)"; \
	echo "steps: $$(grep -c ' ok ' summary) passed, $$(grep -c ' FAILED ' summary) failed, $$(grep -c ' skipped' summary) skipped"; \
	exit $${status:-0}

# step-X: make X, timed (wall and CPU seconds, in .tmp/steps/X). step-environments makes TEST_SHARED;
# the other steps take it as made (-o), so that none re-syncs a copy that another one is running in.
step-environments: STEP_GOALS = $(TEST_SHARED)
step-%: STEP_GOALS = $(TEST_SHARED:%=-o %) $*
step-%: $$(if $$(filter-out environments,$$*),step-environments)
	@echo "==> make $*"; SECONDS=0; $(MAKE) --no-print-directory $(STEP_GOALS) && result=ok || result=FAILED; \
	times > $(STEPS)/$*.times; awk -v s=$* -v r=$$result -v w=$$SECONDS 'function t(x) {split(x, a, /[ms]/); return a[1] * 60 + a[2]} \
	  NR == 2 {printf "  %-22s %-6s %5d s, cpu %5.0f s\n", s, r, w, t($$1) + t($$2)}' $(STEPS)/$*.times | tee $(STEPS)/$*; [ $$result = ok ]

# $(call ansible_test,core,command): ansible-test in that core's copy with its Python (2.21: found
# first on PATH, where --python looks), one run per copy at a time; .venv/bin for shellcheck.
ansible_test = cd $(call copy_of,$1) && PATH=$(if $(filter 2.21,$1),$(dir $(PYTHON_221)):)$$PATH:$(VENV)/bin \
  flock -o . $(ROOT)/$(call venv_dir,$1)/bin/ansible-test $2 --venv --python \
  $(if $(filter 2.21,$1),$(shell $(PYTHON_221) -c 'import sys; print("%d.%d" % sys.version_info[:2])'),$(TEST_PYTHON)) $(TEST_ARGS)

.PHONY: sanity units integration playbooks-test $(foreach t,sanity units integration playbooks-test,$(CORES:%=$t-%))
sanity: sanity-2.21 ## ansible-test sanity with no ignore files (ansible-core 2.21; sanity-2.19, sanity-2.16)
units: units-2.19 ## ansible-test units (ansible-core 2.19; units-2.16, units-2.21)
# Targets run on the controller in ansible-test's venv, against the simulator setup_kylin_sim starts
# from the copy's kylin-sim/src. One target: make integration TEST_ARGS=job_info
integration: integration-2.19 ## ansible-test integration against the simulator (2.19; integration-2.16, -2.21)
# The runbooks as users run them, against a simulator; the HTML report rendered in headless chromium.
playbooks-test: playbooks-test-2.19 ## The runbook playbooks against the simulator, tests/playbooks (2.19; playbooks-test-2.21)

$(CORES:%=sanity-%): sanity-%: venv-% bootstrap collection-%
	@! ls tests/sanity/ignore-*.txt 2>/dev/null || { echo "$@: no ignore files: fix the code instead"; exit 1; }
	$(call ansible_test,$*,sanity)
$(CORES:%=units-%): units-%: venv-% bootstrap collection-%
	$(call ansible_test,$*,units)
$(CORES:%=integration-%): integration-%: venv-% bootstrap collection-%
	$(call ansible_test,$*,integration)
$(CORES:%=playbooks-test-%): playbooks-test-%: venv-% collection browser
	PATH=$(ROOT)/$(call venv_dir,$*)/bin:$$PATH $(COLLECTIONS_ENV) $(ROOT)/$(call venv_dir,$*)/bin/python -m pytest tests/playbooks -q

.PHONY: sim-test sim-package-test fault eda-test molecule bench bench-restart bench-projects bench-health galaxy-importer
sim-test: venv ## pytest the simulator package itself (kylin-sim/tests)
	$(VENV)/bin/python -m pytest kylin-sim/tests -q
sim-package-test: venv build ## pip install ./kylin-sim into a fresh venv: kylin-sim --help, its fixtures, the README example
	UV=$(UV) PYTHON=$(PYTHON) ANSIBLE_GALAXY=$(VENV)/bin/ansible-galaxy $(COLLECTIONS_ENV) \
	  scripts/sim_package_test.sh $(TMP)/sim-package $(ARTIFACT)
fault: venv collection ## Fault injection: the modules against simulators with faults (tests/fault; FAULT_REPORT=...)
	$(VENV_PATH) $(COLLECTIONS_ENV) KYLIN_FAULT_REPORT=$(if $(FAULT_REPORT),$(abspath $(FAULT_REPORT))) \
	  $(VENV)/bin/python -m pytest tests/fault -q -p no:cacheprovider --durations=5
# The model-based randomized suite (tests/model): MODEL_EXAMPLES generated scenarios (Hypothesis) against
# in-process simulators at a time scale, on MODEL_WORKERS pytest-xdist workers, judged on the simulator's
# journal; plus the fixed cases and a few scenarios through ansible-playbook. The seed is fixed unless
# MODEL_SEED says otherwise (printed at the start). MODEL_REPORT=docs/reliability.md writes its section there;
# MODEL_REPLAY='<blob>' (exported: a blob survives no shell quoting of its own) replays one shrunk failure.
# `make soak` explores: a new seed each run, MODEL_EXAMPLES (default 3000) scenarios, failures kept in
# .tmp/hypothesis for the next run; MODEL_WITHOUT=held-write,... leaves fault kinds out.
MODEL_EXAMPLES ?= 200
MODEL_WORKERS ?= 8
export MODEL_REPLAY
MODEL_ENV = $(VENV_PATH) $(COLLECTIONS_ENV) MODEL_REPORT=$(if $(MODEL_REPORT),$(abspath $(MODEL_REPORT))) MODEL_FAILURES_DIR=$(TMP)/model-failures
.PHONY: model-test soak
model-test: venv collection ## Model-based randomized suite (tests/model): MODEL_EXAMPLES=200 scenarios, fixed seed (MODEL_SEED, MODEL_REPORT)
	@rm -rf $(TMP)/model-failures
	$(MODEL_ENV) MODEL_SEED=$(MODEL_SEED) MODEL_EXAMPLES=$(MODEL_EXAMPLES) $(VENV)/bin/python -m pytest -q -p no:cacheprovider \
	  $(if $(MODEL_REPLAY),tests/model/test_model.py::test_replay -n 0,tests/model -n $(MODEL_WORKERS)) -rxX
soak: venv collection ## The model-based suite exploring: a new seed each run, MODEL_EXAMPLES (default 3000) scenarios (MODEL_REPORT)
	@rm -rf $(TMP)/model-failures
	$(MODEL_ENV) MODEL_SOAK=1 MODEL_SEED=$(or $(MODEL_SEED),random) \
	  MODEL_EXAMPLES=$(if $(filter command line environment,$(origin MODEL_EXAMPLES)),$(MODEL_EXAMPLES),3000) \
	  MODEL_SHARDS=$$(( $(MODEL_WORKERS) * 4 )) MODEL_SHRINK_SECONDS=$(or $(MODEL_SHRINK_SECONDS),300) MODEL_DB=$(TMP)/hypothesis \
	  $(VENV)/bin/python -m pytest tests/model/test_model.py -q -p no:cacheprovider -n $(MODEL_WORKERS) -rxX
eda-test: venv eda-venv java collection ## EDA source and rulebooks (tests/eda), end to end with ansible-rulebook
	$(COLLECTIONS_ENV) KYLIN_EDA_VENV=$(VENV_EDA) $(VENV)/bin/python -m pytest tests/eda -q -p no:cacheprovider --durations=5
# Its working files in .tmp, not in ~/.ansible/tmp/molecule.<hash of the folder's name>, where molecule
# runs of other checkouts on the machine would find (and stop) this run's simulator.
molecule: venv collection ## molecule test for every scenario (extensions/molecule, roles/*/molecule)
	@for dir in extensions $(patsubst %/molecule/,%,$(wildcard roles/*/molecule/)); do echo "molecule: $$dir"; \
	  (cd $$dir && $(VENV_PATH) $(COLLECTIONS_ENV) MOLECULE_EPHEMERAL_DIRECTORY=$(TMP)/molecule/$$dir molecule test --all); done
bench: venv collection ## Benchmarks (tests/bench/run.py, writes docs/benchmarks.md; BENCH_ARGS=--quick); not in make test
	$(VENV_PATH) $(COLLECTIONS_ENV) $(VENV)/bin/python tests/bench/run.py $(BENCH_ARGS)
bench-restart: venv collection ## Benchmark: restart N jobs, Kylin's RESTART vs graceful (writes docs/benchmarks.md)
	$(VENV_PATH) $(COLLECTIONS_ENV) $(VENV)/bin/python tests/bench/restart.py $(BENCH_RESTART_ARGS)
bench-projects: venv collection ## Benchmark: four projects converged side by side against one (writes docs/benchmarks.md)
	$(VENV_PATH) $(COLLECTIONS_ENV) $(VENV)/bin/python tests/bench/projects.py $(BENCH_PROJECTS_ARGS)
bench-health: venv collection ## Benchmark: the health gate's cost over a rolling restart of 20 jobs (writes docs/benchmarks.md)
	$(VENV_PATH) $(COLLECTIONS_ENV) $(VENV)/bin/python tests/bench/health.py $(BENCH_HEALTH_ARGS)
galaxy-importer: venv-galaxy build ## Galaxy's importer on the built artifact (tests/galaxy: flake8, ansible-lint); no warning allowed
	KYLIN_ARTIFACT=$(ARTIFACT) $(VENV_GALAXY)/bin/python -m pytest tests/galaxy -q -p no:cacheprovider

# Execution and decision environments (docs/execution-environment.md): the build contexts in
# .tmp/ee/context and .tmp/de/context, their checks without a container, the images (podman or docker).
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
	  "container engine; make ee-context writes the build contexts without one"; exit 1; }
	$(VENV_221)/bin/ansible-builder build -f execution-environment.yml -c $(TMP)/ee/context --container-runtime $(EE_ENGINE) -t kylin-streaming-ee:latest
	$(VENV_221)/bin/ansible-builder build -f decision-environment.yml -c $(TMP)/de/context --container-runtime $(EE_ENGINE) -t kylin-streaming-de:latest

##@ Linters

.PHONY: lint changelog-lint docs-check
lint: venv collection ## ansible-lint (production profile) over the collection; shellcheck on the shell scripts
	$(VENV_PATH) $(COLLECTIONS_ENV) ansible-lint
	$(VENV)/bin/shellcheck .ci/run $(wildcard scripts/*.sh)
changelog-lint: venv ## Check changelog fragments and changelogs/changelog.yaml
	$(VENV)/bin/antsibull-changelog lint && $(VENV)/bin/antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
docs-check: ## Check that every § citation resolves to docs/design.md or docs/kylin-api.md
	$(PYTHON) scripts/check_citations.py $(ROOT)

##@ Running

.PHONY: sim demo eda-demo build docs-rst install-artifact
sim: venv ## Run the Kylin simulator in the foreground (ARGS="--port 7071 --seed empty")
	$(VENV)/bin/kylin-sim $(ARGS)
demo: venv collection ## Start the simulator (demo seed), run playbooks/demo.yml against it, stop it
	@$(VENV_PATH) $(COLLECTIONS_ENV) scripts/demo.sh $(DEMO_ARGS)
eda-demo: venv eda-venv java collection ## Simulator + ansible-rulebook heal.yml: a job fails, is restarted, fails again, is reported
	@PATH=$(VENV_EDA)/bin:$$PATH $(COLLECTIONS_ENV) PYTHON_BIN=$(VENV)/bin/python scripts/eda_demo.sh
build: venv docs-rst ## Build the collection artifact into .tmp/dist
	$(VENV)/bin/ansible-galaxy collection build --force --output-path $(TMP)/dist
# docs/*.md -> docs/docsite/ (generated, git-ignored): the extra docs antsibull-docs publishes.
docs-rst: venv
	@$(VENV)/bin/python scripts/docs_rst.py $(ROOT)
install-artifact: venv-2.21 build
	@rm -rf $(INSTALLED) && $(INSTALLED_ENV) ansible-galaxy collection install --offline -p $(INSTALLED) $(ARTIFACT) | tail -1

##@ Docs site and AWX

.PHONY: docs docs-lint docs-test awx-test
docs: install-artifact ## Build the docs site with antsibull-docs from the installed artifact (.tmp/docs-site/build/html)
	$(INSTALLED_ENV) $(VENV_221)/bin/python scripts/docs_site.py $(TMP)/docs-site
docs-lint: install-artifact ## antsibull-docs lint-collection-docs --plugin-docs on the installed artifact
	$(INSTALLED_ENV) antsibull-docs lint-collection-docs --plugin-docs $(INSTALLED)/ansible_collections/kylin/streaming
docs-test: docs browser ## The docs site rendered in headless chromium, checked against ansible-doc (tests/docs)
	$(INSTALLED_ENV) KYLIN_DOCS_SITE=$(TMP)/docs-site/build/html $(VENV_221)/bin/python -m pytest tests/docs -q -p no:cacheprovider
# The converge job template as AWX runs it: ansible-runner, the credential type's environment, HTTPS.
awx-test: install-artifact ## ansible-runner runs the converge job template with the Kylin credential (tests/awx)
	$(INSTALLED_ENV) $(VENV_221)/bin/python -m pytest tests/awx -q -p no:cacheprovider

##@ Housekeeping

.PHONY: help clean distclean
help: ## Show this help
	@echo "kylin.streaming - make targets:"
	@awk 'BEGIN {FS = ":.*## "} /^##@/ {printf "\n%s\n", substr($$0, 5)} /^[a-zA-Z0-9_.-]+:.*## / {printf "  %-20s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo; echo "Variables: PYTHON=$(PYTHON) PYTHON_221=$(PYTHON_221) TEST_PYTHON=$(TEST_PYTHON) TEST_JOBS=$(TEST_JOBS) BUILD=$(BUILD)"; \
	echo "  TEST_ARGS=... (ansible-test) ARGS=... (sim) DEMO_ARGS=... FAULT_REPORT=... BENCH_ARGS=... BENCH_RESTART_ARGS=..."
clean: ## Remove build and test output (keeps the venvs)
	rm -rf $(BUILD) $(TMP) tests/output .ansible .pytest_cache docs/docsite/rst docs/docsite/extra-docs.yml
	find . -name __pycache__ -type d -not -path './.venv*' -prune -exec rm -rf {} +
distclean: clean ## clean, and remove the venvs too
	rm -rf .venv .venv-*
