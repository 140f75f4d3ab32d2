#!/usr/bin/env bash
# `make demo`: start the Kylin simulator (demo seed) on a free port, run playbooks/demo.yml
# against it with KYLIN_URL/KYLIN_USERNAME/KYLIN_PASSWORD set (the job table, converge to
# playbooks/vars/demo_desired_state.yml, the job table again), then run kylin.streaming.converge a
# second time to show that it changes nothing (changed=0), and stop the simulator on exit, whether
# the playbooks passed, failed or were interrupted. Arguments go to both ansible-playbook runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python=${PYTHON_BIN:-.venv/bin/python}
playbook=${DEMO_PLAYBOOK:-playbooks/demo.yml}
desired=${DEMO_DESIRED_STATE:-playbooks/vars/demo_desired_state.yml}

if [[ ! -f $playbook ]]; then
  echo "demo: $playbook does not exist yet (it comes with the modules); nothing to run"
  exit 0
fi

workdir=$(mktemp -d "${TMPDIR:-/tmp}/kylin-demo.XXXXXX")
sim_pid=

# shellcheck disable=SC2329  # invoked by the EXIT trap
stop_simulator() {
  if [[ -z $sim_pid && -s $workdir/simulator.pid ]]; then sim_pid=$(cat "$workdir/simulator.pid"); fi
  if [[ -n $sim_pid ]] && kill "$sim_pid" 2>/dev/null; then
    for _ in $(seq 1 100); do kill -0 "$sim_pid" 2>/dev/null || break; sleep 0.1; done
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

# kylin-sim starts itself in the background, returns once it answers and prints its URL; it also
# stops when this script is gone (--exit-with-pid), even if the script is killed.
if ! url=$("$python" -m kylin_sim --detach --host 127.0.0.1 --port 0 --seed demo \
    --pid-file "$workdir/simulator.pid" --log-file "$workdir/simulator.log" --exit-with-pid $$); then
  echo "demo: the simulator did not start:" >&2
  cat "$workdir/simulator.log" >&2
  exit 1
fi
sim_pid=$(cat "$workdir/simulator.pid")
echo "demo: simulator ready at $url (user ADMIN)"

export KYLIN_URL=$url KYLIN_USERNAME=ADMIN KYLIN_PASSWORD=KYLIN
# No inventory is needed: the playbooks run on the implicit localhost.
export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false

# run_playbook LOG ARGS...: ansible-playbook in the background, so that a signal reaches this script
# at once; ansible also writes its output to LOG (without colours), for the check below.
run_playbook() {
  local log=$1 status=0
  shift
  ANSIBLE_LOG_PATH=$log ansible-playbook "$@" </dev/null &
  play_pid=$!
  wait "$play_pid" || status=$?
  play_pid=
  return "$status"
}

run_playbook "$workdir/first.log" "$playbook" -e "@$desired" "$@"

echo
echo "demo: converging again with the same desired state: nothing should change"
echo "demo: ansible-playbook kylin.streaming.converge -e @$desired $*"
run_playbook "$workdir/second.log" kylin.streaming.converge -e "@$desired" "$@"

check_mode=false
for arg in "$@"; do
  if [[ $arg == --check || $arg == -C ]]; then check_mode=true; fi
done
if [[ $check_mode == true ]]; then
  echo "demo: check mode: nothing was changed, so the second run shows the same plan"
elif grep -Eq 'localhost +: ok=[0-9]+ +changed=0 ' "$workdir/second.log"; then
  echo "demo: the second run changed nothing (changed=0): the desired state holds"
else
  echo "demo: the second run reported changes, see its recap above" >&2
  exit 1
fi
