#!/usr/bin/env bash
# `make sim-package-test`: the simulator as a user installs it, `pip install ./kylin-sim` (not
# editable), in a fresh virtualenv with pytest, plus ansible-core and requests for the README's example
# (a test of a user's playbook, which plays kylin.streaming.job from the build copy). Checks the
# command, that pytest lists the plugin's fixtures, the README's examples and
# kylin-sim/tests/package/test_installed.py; then that the package installs from the collection
# artifact once ansible-galaxy has installed it.
#
#   scripts/sim_package_test.sh WORKDIR ARTIFACT
#
# Environment: UV (uv, which makes the virtualenv and installs the pinned test tools), PYTHON,
# ANSIBLE_GALAXY (the ansible-galaxy that installs the artifact), ANSIBLE_COLLECTIONS_PATH (the build copy).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
work=$(realpath -m "$1") artifact=$2
fixtures='kylin_sim kylin_sim_module kylin_sim_session kylin_sim_factory kylin_playbook wait_until'

rm -rf "$work"
"$UV" venv --quiet --seed --python "${PYTHON:-python3}" "$work/venv"
mapfile -t pins < <(grep -oE '^(pytest|ansible-core|cryptography)==[^ ]+' requirements-dev.txt)
"$UV" pip install --quiet --python "$work/venv/bin/python" -r requirements.txt "${pins[@]}"
pip_install() { "$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@"; }
# From a copy of ./kylin-sim: setuptools builds in the source folder, and the tree may be in use.
cp -r kylin-sim "$work/kylin-sim"
pip_install "$work/kylin-sim"
"$work/venv/bin/kylin-sim" --help | grep -q '^usage: kylin-sim '

mkdir -p "$work/example"
listed=$(cd "$work/example" && ../venv/bin/python -m pytest --fixtures -p no:cacheprovider | sed -n 's/^\([a-z_]*\)\( .*\)\?$/\1/p')
for fixture in $fixtures; do
  grep -qx "$fixture" <<<"$listed" || { echo "sim-package-test: pytest does not list the fixture $fixture"; exit 1; }
  echo "sim-package-test: fixture $fixture"
done
"$work/venv/bin/python" kylin-sim/tests/package/extract_examples.py kylin-sim/README.md "$work/example"
cp kylin-sim/tests/package/test_installed.py "$work/example/"
(cd "$work/example" && ../venv/bin/python -m pytest -q -p no:cacheprovider)

echo "sim-package-test: the collection artifact carries kylin-sim/: pip install it from the installed collection"
ANSIBLE_COLLECTIONS_PATH="$work/collections" "$ANSIBLE_GALAXY" collection install --offline -p "$work/collections" "$artifact" >/dev/null
pip_install --force-reinstall --no-deps "$work/collections/ansible_collections/kylin/streaming/kylin-sim"
"$work/venv/bin/kylin-sim" --help | grep -q '^usage: kylin-sim '
