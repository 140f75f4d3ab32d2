#!/usr/bin/env bash
# `make demo`: start the Kylin simulator (demo seed) on a free port, run playbooks/demo.yml
# against it with KYLIN_URL/KYLIN_USERNAME/KYLIN_PASSWORD set, and stop the simulator on exit,
# whether the playbook passed, failed or was interrupted. Arguments go to ansible-playbook.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python=${PYTHON_BIN:-.venv/bin/python}
playbook=${DEMO_PLAYBOOK:-playbooks/demo.yml}

if [[ ! -f $playbook ]]; then
  echo "demo: $playbook does not exist yet (it comes with the modules); nothing to run"
  exit 0
fi

workdir=$(mktemp -d "${TMPDIR:-/tmp}/kylin-demo.XXXXXX")
sim_pid=

# shellcheck disable=SC2329  # invoked by the EXIT trap
stop_simulator() {
  if [[ -n $sim_pid ]] && kill -0 "$sim_pid" 2>/dev/null; then
    kill "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
    echo "demo: simulator stopped"
  fi
  rm -rf "$workdir"
}
play_pid=
# shellcheck disable=SC2329  # invoked by the INT/TERM traps
interrupted() {
  # The playbook runs in the background so that a signal reaches this script at once.
  if [[ -n $play_pid ]]; then kill "$play_pid" 2>/dev/null || true; fi
  exit "$1"
}
trap stop_simulator EXIT
trap 'interrupted 130' INT
trap 'interrupted 143' TERM

PYTHONPATH=tests "$python" -m kylin_sim --host 127.0.0.1 --port 0 \
  --port-file "$workdir/port" --seed demo >"$workdir/simulator.log" 2>&1 &
sim_pid=$!

url=
for _ in $(seq 1 300); do
  if ! kill -0 "$sim_pid" 2>/dev/null; then
    echo "demo: the simulator exited during start-up:" >&2
    cat "$workdir/simulator.log" >&2
    exit 1
  fi
  if [[ -s $workdir/port ]]; then
    candidate="http://127.0.0.1:$(cat "$workdir/port")"
    if "$python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + "/_sim/health", timeout=1)' \
        "$candidate" 2>/dev/null; then
      url=$candidate
      break
    fi
  fi
  sleep 0.1
done
if [[ -z $url ]]; then
  echo "demo: the simulator did not answer $workdir/port /_sim/health within 30 s" >&2
  cat "$workdir/simulator.log" >&2
  exit 1
fi
echo "demo: simulator ready at $url (user ADMIN)"

KYLIN_URL=$url KYLIN_USERNAME=ADMIN KYLIN_PASSWORD=KYLIN \
  ansible-playbook "$playbook" "$@" </dev/null &
play_pid=$!
status=0
wait "$play_pid" || status=$?
play_pid=
exit "$status"
