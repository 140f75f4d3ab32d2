#!/usr/bin/env bash
# `make eda-demo`: event-driven remediation against the simulator. Starts the Kylin simulator on a
# free port with one project (shop) and two running models, runs the rulebook kylin.streaming.heal with
# ansible-rulebook (budget: 2 failures in an hour), then makes payments_rt's build job crash a few
# seconds after every start. The rulebook restarts it once; it crashes again within the window and is
# reported (OVER BUDGET), not restarted. The simulator's action log is printed at the end, and the
# script fails unless that job was restarted exactly once. Everything it started is stopped on exit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python=${PYTHON_BIN:-.venv/bin/python}
timeout_s=${EDA_DEMO_TIMEOUT:-180}
if ! command -v ansible-rulebook >/dev/null 2>&1; then
  echo "eda-demo: ansible-rulebook is not on PATH (make eda-venv, then PATH=.venv-eda/bin:\$PATH)" >&2
  exit 1
fi

workdir=$(mktemp -d "${TMPDIR:-/tmp}/kylin-eda-demo.XXXXXX")
sim_pid=
rulebook_pid=

# shellcheck disable=SC2329  # invoked by the EXIT trap
cleanup() {
  if [[ -n $rulebook_pid ]] && kill -0 "$rulebook_pid" 2>/dev/null; then
    kill -TERM -- "-$rulebook_pid" 2>/dev/null || kill "$rulebook_pid" 2>/dev/null || true
    wait "$rulebook_pid" 2>/dev/null || true
    echo "eda-demo: ansible-rulebook stopped"
  fi
  if [[ -n $sim_pid ]] && kill -0 "$sim_pid" 2>/dev/null; then
    kill "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
    echo "eda-demo: simulator stopped"
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$python" -m kylin_sim --host 127.0.0.1 --port 0 --port-file "$workdir/port" --seed empty \
  --start-delay 1 --yarn-accept-delay 0.5 --stop-delay 0.5 --kill-delay 0.2 >"$workdir/simulator.log" 2>&1 &
sim_pid=$!
for _ in $(seq 1 300); do
  [[ -s $workdir/port ]] && break
  if ! kill -0 "$sim_pid" 2>/dev/null; then cat "$workdir/simulator.log" >&2; exit 1; fi
  sleep 0.1
done
url="http://127.0.0.1:$(cat "$workdir/port")"

# sim COMMAND...: the simulator's control API (kylin_sim.control.SimControl), from Python.
sim() {
  "$python" - "$url" "$@" <<'EOF'
import json, sys
from kylin_sim.control import SimControl
ctl = SimControl(sys.argv[1])
command, args = sys.argv[2], sys.argv[3:]
if command == "setup":
    ctl.add_project("shop")
    for alias in ("orders_rt", "payments_rt"):
        ctl.add_model("shop", alias, build={"status": "RUNNING"}, merge={"status": "RUNNING"})
elif command == "job-id":
    print([j["id"] for j in ctl.jobs(project="shop") if j["model_alias"] == args[0] and j["job_type"] == "STREAMING_BUILD"][0])
elif command == "crash-after":
    ctl.patch_job(args[0], fail_after=float(args[1]))
elif command == "polls":
    print(ctl.counters()["requests"].get("GET /kylin/api/streaming_jobs", 0))
elif command == "actions":
    for a in ctl.actions():
        print("  %-10s %-50s %s -> %s" % (a["action"], a["job_id"], a["status_before"], a["status_after"]))
elif command == "restarts":
    print(len([a for a in ctl.actions(job_id=args[0]) if a["action"] == "RESTART"]))
EOF
}

sim setup
job=$(sim job-id payments_rt)
echo "eda-demo: simulator at $url, project shop: orders_rt and payments_rt running"

cat >"$workdir/inventory.yml" <<'EOF'
all:
  hosts:
    localhost:
      ansible_connection: local
      ansible_python_interpreter: "{{ ansible_playbook_python }}"
EOF
cat >"$workdir/vars.yml" <<'EOF'
kylin_project: shop
kylin_eda_interval: 1
kylin_max_failures: 2
kylin_failure_window: 3600
kylin_poll_interval: 0.5
kylin_wait_timeout: 60
EOF

echo "eda-demo: ansible-rulebook -r kylin.streaming.heal -i inventory.yml --vars vars.yml (budget: 2 failures in 3600 s)"
export KYLIN_URL=$url KYLIN_USERNAME=ADMIN KYLIN_PASSWORD=KYLIN ANSIBLE_LOCALHOST_WARNING=false
set -m  # its own process group, so that the playbooks it runs stop with it
ansible-rulebook -r kylin.streaming.heal -i "$workdir/inventory.yml" --vars "$workdir/vars.yml" --print-events \
  </dev/null > >(tee "$workdir/rulebook.log") 2>&1 &
rulebook_pid=$!
set +m

deadline=$((SECONDS + timeout_s))
until [[ $(sim polls) -ge 2 ]]; do
  if ((SECONDS > deadline)) || ! kill -0 "$rulebook_pid" 2>/dev/null; then
    echo "eda-demo: the source did not start polling" >&2; exit 1
  fi
  sleep 0.5
done

echo
echo "eda-demo: payments_rt build ($job) now crashes 3 s after every start"
sim crash-after "$job" 3

until grep -q "OVER BUDGET, not restarted: shop/payments_rt build" "$workdir/rulebook.log"; do
  if ((SECONDS > deadline)) || ! kill -0 "$rulebook_pid" 2>/dev/null; then
    echo "eda-demo: no over-budget report within ${timeout_s}s" >&2; exit 1
  fi
  sleep 0.5
done
sleep 3  # a few more polls: nothing else happens

echo
echo "eda-demo: the simulator's action log:"
sim actions
restarts=$(sim restarts "$job")
if [[ $restarts -eq 1 ]]; then
  echo "eda-demo: payments_rt build was restarted once, failed again within the window, and was reported, not restarted"
else
  echo "eda-demo: payments_rt build was restarted $restarts times, expected once" >&2
  exit 1
fi
