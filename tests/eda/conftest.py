# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures of the Event-Driven Ansible suite (``make eda-test``).

The source plugin is loaded the way ansible-rulebook loads it, with ``runpy.run_path`` on the file
of the installed collection (the build copy ``make collection`` keeps under ``.build``), so that
its imports of the collection's client are the ones a user's run makes.
"""

import os
import runpy
import signal
import subprocess
import sys
import time

import pytest

from kylin_sim.control import SimControl

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(TESTS)
SOURCE = os.path.join('ansible_collections', 'kylin', 'streaming', 'extensions', 'eda', 'plugins', 'event_source',
                      'job_events.py')


# Short, realistically ordered delays (YARN accepts before the launch completes).
FAST_ARGS = ('--start-delay', '0.3', '--yarn-accept-delay', '0.1', '--stop-delay', '0.2', '--kill-delay', '0.01')


def collections_path():
    """Where kylin.streaming is installed: ANSIBLE_COLLECTIONS_PATH, else the build copy."""
    path = os.environ.get('ANSIBLE_COLLECTIONS_PATH') or os.path.join(ROOT, '.build')
    path = path.split(os.pathsep)[0]
    if not os.path.exists(os.path.join(path, SOURCE)):
        pytest.fail('kylin.streaming (with extensions/eda) is not in %s: run `make eda-test`, or `make collection` first'
                    % path)
    return path


def eda_bin():
    """The bin folder of the ansible-rulebook venv (make eda-venv), with ansible-galaxy and ansible-playbook."""
    path = os.environ.get('KYLIN_EDA_VENV') or os.path.join(ROOT, '.venv-eda')
    path = os.path.join(path, 'bin')
    if not os.path.exists(os.path.join(path, 'ansible-rulebook')):
        pytest.fail('ansible-rulebook is not in %s: run `make eda-test` (it builds .venv-eda)' % path)
    return path


@pytest.fixture(name='source', scope='session')
def source_fixture():
    """The job_events module's globals, as ansible-rulebook's runpy.run_path gives them."""
    return runpy.run_path(os.path.join(collections_path(), SOURCE))


class SimProcess:
    """``python -m kylin_sim`` in a process of its own (so that it can be killed and started again)."""

    def __init__(self, workdir, args=(), state_file=None):
        self.workdir = str(workdir)
        self.args = list(args)
        self.state_file = state_file or os.path.join(self.workdir, 'sim-state.json')
        self.port = 0
        self.proc = None
        self.log_path = os.path.join(self.workdir, 'sim.log')
        self.port_file = os.path.join(self.workdir, 'sim.port')
        self.ctl = None

    @property
    def url(self):
        return 'http://127.0.0.1:%d' % self.port

    def start(self, timeout=30.0):
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        cmd = [sys.executable, '-m', 'kylin_sim', '--host', '127.0.0.1', '--port', str(self.port), '--port-file',
               self.port_file, '--seed', 'empty', '--state-file', self.state_file] + self.args
        with open(self.log_path, 'a') as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir)
        deadline = time.monotonic() + timeout
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError('simulator did not start: %s' % self.log())
            time.sleep(0.02)
        with open(self.port_file) as handle:
            self.port = int(handle.read().strip())
        self.ctl = SimControl(self.url)
        return self

    def log(self):
        with open(self.log_path) as handle:
            return handle.read()[-4000:]

    def kill(self):
        """SIGKILL, as a crash; the state file keeps what it had."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture(name='sim_process')
def sim_process_fixture(tmp_path):
    """A simulator process (fast timing, empty seed, a state file); stopped at teardown."""
    procs = []

    def make(args=FAST_ARGS):
        proc = SimProcess(tmp_path, args).start()
        procs.append(proc)
        return proc
    yield make
    for proc in procs:
        proc.stop()
