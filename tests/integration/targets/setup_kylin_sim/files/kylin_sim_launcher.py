# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Start the Kylin simulator once per ansible-test run, and make sure it ends with the run.

``ansible-test integration`` runs every target as its own ``ansible-playbook``, all of them under
one ``ansible-test`` process (the *owner*). The first target that needs the simulator starts it;
later targets find its state file (keyed by the owner's pid and start time) and reuse it.

The simulator is started by the package's own process code (``kylin_sim.process.SimProcess``) in a
session of its own, with ``--exit-with-pid <owner>``: it stops as soon as the owner is gone, whether
the run passed, failed or was interrupted, so no simulator outlives the run and a second run never
finds a stale one.

Usage (prints one JSON line: url, pid, started, log):
    python kylin_sim_launcher.py start --run-dir DIR -- [simulator options]
PYTHONPATH must let it import ``kylin_sim`` (the collection's kylin-sim/src).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import argparse
import json
import os
import subprocess
import sys
from urllib.request import urlopen

from kylin_sim.process import SimProcess, SimProcessError

START_TIMEOUT = 30.0


def process_info(pid):
    """``(parent pid, start time, argv)`` of a process, or None when it does not exist."""
    try:
        with open('/proc/%d/stat' % pid, 'rb') as handle:
            stat = handle.read().decode('utf-8', 'replace')
        with open('/proc/%d/cmdline' % pid, 'rb') as handle:
            argv = [a.decode('utf-8', 'replace') for a in handle.read().split(b'\0') if a]
    except (IOError, OSError):
        return _ps_info(pid)
    fields = stat[stat.rfind(')') + 2:].split()
    return int(fields[1]), fields[19], argv


def _ps_info(pid):
    """The same from ``ps``, where there is no /proc (macOS)."""
    if os.path.isdir('/proc/self'):
        return None
    try:
        out = subprocess.check_output(['ps', '-o', 'ppid=', '-o', 'lstart=', '-o', 'args=', '-p', str(pid)])
    except (OSError, subprocess.CalledProcessError):
        return None
    fields = out.decode('utf-8', 'replace').split()
    if len(fields) < 7:
        return None
    return int(fields[0]), ' '.join(fields[1:6]), fields[6:]


def alive(pid, start):
    info = process_info(pid)
    return info is not None and info[1] == start


def find_owner():
    """The nearest ``ansible-test`` ancestor; else the outermost ``ansible-playbook``; else the parent."""
    pid = os.getppid()
    playbook = None
    while pid > 1:
        info = process_info(pid)
        if info is None:
            break
        ppid, start, argv = info
        names = [os.path.basename(a) for a in argv[:2]]
        if 'ansible-test' in names:
            return pid, start
        if 'ansible-playbook' in names:
            playbook = (pid, start)
        pid = ppid
    if playbook:
        return playbook
    info = process_info(os.getppid())
    return os.getppid(), info[1] if info else ''


def healthy(url, timeout=2.0):
    try:
        response = urlopen(url + '/_sim/health', timeout=timeout)
        try:
            return json.loads(response.read().decode('utf-8')).get('ok') is True
        finally:
            response.close()
    except Exception:  # pylint: disable=broad-except
        return False


def read_state(path):
    try:
        with open(path) as handle:
            return json.load(handle)
    except (IOError, OSError, ValueError):
        return None


def remove_stale_files(run_dir):
    """Files of earlier runs whose ansible-test is gone (their simulators ended with it)."""
    for name in os.listdir(run_dir):
        owner = name.split('.')[0][len('sim-'):]
        if name.startswith('sim-') and owner.isdigit() and process_info(int(owner)) is None:
            os.remove(os.path.join(run_dir, name))


def start(args):
    owner_pid, owner_start = find_owner()
    if not os.path.isdir(args.run_dir):
        os.makedirs(args.run_dir)
    state_path = os.path.join(args.run_dir, 'sim-%d.json' % owner_pid)
    state = read_state(state_path)
    if state and state.get('owner_start') == owner_start and alive(state['pid'], state['pid_start']) and healthy(state['url']):
        state['started'] = False
        print(json.dumps(state))
        return 0

    remove_stale_files(args.run_dir)
    sim = SimProcess(args.run_dir, args=args.sim_args + ['--exit-with-pid', str(owner_pid)],
                     name='sim-%d' % owner_pid, detach=True)
    for stale in (sim.port_file, state_path):
        if os.path.exists(stale):
            os.remove(stale)
    try:
        sim.start(timeout=START_TIMEOUT)
    except SimProcessError as exc:
        sys.stderr.write('%s; see %s\n' % (exc, sim.log_path))
        return 1
    info = process_info(sim.pid)
    state = dict(url=sim.url, pid=sim.pid, pid_start=info[1] if info else '', owner=owner_pid, owner_start=owner_start,
                 log=sim.log_path)
    tmp = state_path + '.tmp'
    with open(tmp, 'w') as handle:
        json.dump(state, handle)
    os.rename(tmp, state_path)
    state['started'] = True
    print(json.dumps(state))
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest='command')
    start_parser = sub.add_parser('start')
    start_parser.add_argument('--run-dir', required=True)
    argv = sys.argv[1:]
    split = argv.index('--') if '--' in argv else len(argv)
    args = parser.parse_args(argv[:split])
    args.sim_args = argv[split + 1:]
    if args.command == 'start':
        return start(args)
    parser.print_help()
    return 2


if __name__ == '__main__':
    sys.exit(main())
