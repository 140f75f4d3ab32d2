# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Start the Kylin simulator once per ansible-test run, and make sure it ends with the run.

``ansible-test integration`` runs every target as its own ``ansible-playbook``, all of them under
one ``ansible-test`` process (the *owner*). The first target that needs the simulator starts it;
later targets find its state file (keyed by the owner's pid and start time) and reuse it.

The simulator is started by a detached watchdog (this script, ``watch`` mode, in its own session)
that ends it as soon as the owner is gone, whether the run passed, failed or was interrupted,
so no simulator outlives the run and a second run never finds a stale one.

Usage (prints one JSON line: url, pid, started, log):
    python kylin_sim_launcher.py start --run-dir DIR -- [simulator options]
PYTHONPATH must let ``python -m kylin_sim`` import the simulator.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import argparse
import ctypes
import json
import os
import select
import signal
import subprocess
import sys
import time
from urllib.request import urlopen

WATCH_INTERVAL = 0.2
PR_SET_PDEATHSIG = 1
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
    """Files of earlier runs whose ansible-test is gone (their watchdogs ended their simulators)."""
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
    port_file = os.path.join(args.run_dir, 'sim-%d.port' % owner_pid)
    log_path = os.path.join(args.run_dir, 'sim-%d.log' % owner_pid)
    for stale in (port_file, state_path):
        if os.path.exists(stale):
            os.remove(stale)
    with open(log_path, 'ab') as log, open(os.devnull, 'rb') as devnull:
        watchdog = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), 'watch', '--owner', str(owner_pid), '--owner-start', owner_start,
             '--', '--port', '0', '--port-file', port_file] + args.sim_args,
            stdin=devnull, stdout=log, stderr=log, cwd=args.run_dir, close_fds=True, start_new_session=True)

    deadline = time.time() + START_TIMEOUT
    while not os.path.exists(port_file):
        if watchdog.poll() is not None or time.time() > deadline:
            sys.stderr.write('the simulator did not start (exit %s); see %s\n' % (watchdog.poll(), log_path))
            return 1
        time.sleep(0.05)
    with open(port_file) as handle:
        url = 'http://127.0.0.1:%d' % int(handle.read().strip())
    while not healthy(url):
        if watchdog.poll() is not None or time.time() > deadline:
            sys.stderr.write('the simulator at %s does not answer /_sim/health; see %s\n' % (url, log_path))
            return 1
        time.sleep(0.05)
    info = process_info(watchdog.pid)
    state = dict(url=url, pid=watchdog.pid, pid_start=info[1] if info else '', owner=owner_pid, owner_start=owner_start,
                 log=log_path)
    tmp = state_path + '.tmp'
    with open(tmp, 'w') as handle:
        json.dump(state, handle)
    os.rename(tmp, state_path)
    state['started'] = True
    print(json.dumps(state))
    return 0


def owner_gone_waiter(owner, owner_start):
    """A function ``wait(seconds)`` that returns True once the owner has exited.

    On Linux a pidfd wakes it the moment the owner exits; elsewhere it polls.
    """
    try:
        fd = os.pidfd_open(owner)
    except (AttributeError, OSError):
        fd = None
    if fd is not None:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        if not alive(owner, owner_start):  # the pid was reused before we opened it
            return lambda seconds: True
        return lambda seconds: bool(poller.poll(seconds * 1000))

    def wait(seconds):
        time.sleep(seconds)
        return not alive(owner, owner_start)
    return wait


def die_with_parent():
    """In the simulator's process: get SIGTERM if this watchdog dies, even by SIGKILL (Linux)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (AttributeError, OSError):
        pass


def watch(args):
    """Run the simulator until the owner process is gone (or this process is signalled)."""
    sim = subprocess.Popen([sys.executable, '-m', 'kylin_sim'] + args.sim_args, preexec_fn=die_with_parent)
    stopping = []

    def on_signal(signum, frame):  # pylint: disable=unused-argument
        stopping.append(signum)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, on_signal)
    owner_gone = owner_gone_waiter(args.owner, args.owner_start)
    try:
        while not stopping and sim.poll() is None and not owner_gone(WATCH_INTERVAL):
            pass
    finally:
        if sim.poll() is None:
            sim.terminate()
            try:
                sim.wait(timeout=10)
            except subprocess.TimeoutExpired:
                sim.kill()
                sim.wait()
        for name in ('sim-%d.json' % args.owner, 'sim-%d.port' % args.owner):
            if os.path.exists(name):
                os.remove(name)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest='command')
    start_parser = sub.add_parser('start')
    start_parser.add_argument('--run-dir', required=True)
    watch_parser = sub.add_parser('watch')
    watch_parser.add_argument('--owner', type=int, required=True)
    watch_parser.add_argument('--owner-start', required=True)
    argv = sys.argv[1:]
    split = argv.index('--') if '--' in argv else len(argv)
    args = parser.parse_args(argv[:split])
    args.sim_args = argv[split + 1:]
    if args.command == 'start':
        return start(args)
    if args.command == 'watch':
        return watch(args)
    parser.print_help()
    return 2


if __name__ == '__main__':
    sys.exit(main())
